//! The editor's lines of the Image screen's side panel: tool settings while editing (class,
//! brush, thresholds, locks, the class picker), and for an edited image what changed and
//! whether it is saved.

use ratatui::text::{Line, Span};

use crate::review::edit::EditSession;

use super::super::super::super::app::{App, Current};

/// The editor's state for the side panel: tool settings while editing, and for an image
/// with edits how much changed, the agreement with the proposal and whether all is saved.
///
/// Lines in order: a journal that could not be replayed (in the error colour), the tool
/// settings while the editor is on, then for an image with a session its edit figures.
pub(super) fn editor_lines<'a>(app: &App, c: &Current) -> Vec<Line<'a>> {
    let e = &app.edit;
    let mut lines = Vec::new();
    if let Some(why) = e.broken.get(&c.row.id) {
        lines.push(Line::styled(
            format!("saved edits not applied: {why}"),
            app.theme.error(),
        ));
    }
    if e.active {
        lines.extend(tool_lines(app));
    }
    if let Some(s) = app.edit_session() {
        lines.extend(session_lines(app, c, s));
    }
    lines
}

/// The brush (class, size, shape, mode), the fill and accept thresholds, the locked classes,
/// and the class picker's typed text with the class it names.
fn tool_lines<'a>(app: &App) -> Vec<Line<'a>> {
    let (t, e) = (&app.theme, &app.edit);
    let shape = match e.shape {
        crate::review::edit::tools::BrushShape::Round => "round",
        crate::review::edit::tools::BrushShape::Square => "square",
    };
    let mode = match (e.paint, e.erase, e.restore) {
        (true, true, _) => " · PAINT ERASE (to unlabelled)",
        (true, _, true) => " · PAINT RESTORE",
        (true, false, false) => " · PAINT",
        (false, true, _) => " · erase (to unlabelled)",
        (false, _, true) => " · restore",
        (false, false, false) => "",
    };
    let class = app.ctx.schema.short(e.class);
    let mut lines = vec![Line::from(vec![
        Span::styled("edit ", t.title(false)),
        Span::styled(
            "██",
            ratatui::style::Style::default().fg(t.class_colour(&app.ctx.schema, e.class)),
        ),
        Span::styled(
            format!(" {class}({}) {}px {shape}{mode}", e.class, e.brush),
            t.text(),
        ),
    ])];
    let locked: Vec<String> = e
        .locks
        .locked()
        .iter()
        .map(|&l| app.ctx.schema.short(l))
        .collect();
    let locked = if locked.is_empty() {
        String::new()
    } else {
        format!(" · locked {}", locked.join(" "))
    };
    lines.push(Line::styled(
        format!(
            "grey ±{} · accept ≥{:.2}{locked}",
            e.tolerance,
            f64::from(e.min_confidence) / 255.0
        ),
        t.text(),
    ));
    if let Some(p) = &e.picker {
        let named = match app.picker_match() {
            Some(id) => format!(" → {}({id})", app.ctx.schema.short(id)),
            None if p.is_empty() => String::new(),
            None => " (no class)".into(),
        };
        lines.push(Line::styled(format!("class: {p}▏{named}"), t.warn()));
    }
    lines
}

/// "N px edited (x %)": pixels whose class differs from the session's base, and their share
/// of the image (fits the 28-column side panel up to 65,536 px).
fn edited_line(s: &EditSession) -> String {
    let total = (s.mask.width as usize * s.mask.height as usize).max(1);
    let n = s.changed_pixels();
    let share = 100.0 * n as f64 / total as f64;
    let share = if n > 0 && share < 0.1 {
        "< 0.1".to_string()
    } else {
        format!("{share:.1}")
    };
    format!("{n} px edited ({share} %)")
}

/// The shown image's edits: pixels changed, Dice against the proposal, who edited before
/// this run, and the save state.
///
/// Dice is the mean over classes present in either map, of the whole current mask against
/// the proposal; "active" minutes leave out pauses of over a minute between edits.
fn session_lines<'a>(app: &App, c: &Current, s: &EditSession) -> Vec<Line<'a>> {
    let (t, e) = (&app.theme, &app.edit);
    let mut lines = vec![Line::styled(edited_line(s), t.text())];
    if let Some(d) = c.counts.as_ref().and_then(crate::tui::app::stats_dice) {
        // The whole mask against the model's proposal, not the share of pixels edited.
        lines.push(Line::styled(format!("mask vs model: Dice {d:.3}"), t.dim()));
    }
    if let Some(p) = e.provenance.get(&c.row.id) {
        lines.push(Line::styled(
            format!(
                "saved edits: {} · {:.0} min active · {}",
                p.users.join(", "),
                p.active_seconds / 60.0,
                p.tools.join(" ")
            ),
            t.dim(),
        ));
    }
    let unsaved = e.unsaved.get(&c.row.id).copied().unwrap_or(0);
    let (text, style) = if unsaved > 0 {
        (format!("saving {unsaved} edits…"), t.warn())
    } else {
        ("all edits saved".to_string(), t.ok())
    };
    lines.push(Line::styled(text, style));
    lines
}
