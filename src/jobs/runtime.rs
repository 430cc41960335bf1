//! The thread runtime under the workflows: latest-wins request slots, the task table and its
//! job events, throttled progress to a front end, and panic guards. It knows nothing of the
//! work that runs on it (predicting, training, auditing live in the sibling workflow modules
//! of `jobs`): no file here imports another `jobs` module, which tests/layers.rs checks.

pub mod guard;
pub mod progress;
pub mod slot;
pub mod table;

pub use guard::guarded;
pub use progress::{ChannelProgress, JobSink};
pub use table::{JobEvent, TaskId, TaskTable};
