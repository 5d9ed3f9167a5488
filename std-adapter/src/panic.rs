//! The one way spindle-std turns a caught panic into text: threads (12.1), pool
//! tasks (12.7) and actors (12.10) all report a panic's message the same way.

use std::any::Any;

/// What a panic that was not raised with a string reports as its message.
pub const NON_STRING_PANIC: &str = "<non-string panic payload>";

/// The message of a caught panic payload: the `&str` or `String` the panic was
/// raised with, or [`NON_STRING_PANIC`] for any other payload.
///
/// ```
/// use spindle_std::panic::{panic_message, NON_STRING_PANIC};
///
/// let text = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
/// assert_eq!(panic_message(text.as_ref()), "boom 1");
/// let other = std::panic::catch_unwind(|| std::panic::panic_any(7u8)).unwrap_err();
/// assert_eq!(panic_message(other.as_ref()), NON_STRING_PANIC);
/// ```
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        NON_STRING_PANIC.to_owned()
    }
}
