//! What a failed command sends to the window: the core's error as a code and a message in
//! Chinese and English, with the fields at fault. Serialized as `ApiError` in ui/src/lib/api.ts.

use huka_core::ErrorReport;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(transparent)]
pub struct CommandError(pub ErrorReport);

impl From<huka_core::Error> for CommandError {
    fn from(e: huka_core::Error) -> Self {
        CommandError(e.report())
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
