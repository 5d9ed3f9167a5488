//! Exchange names and topic patterns as NATS subjects. spindle names exchanges with
//! `/`-separated levels and subscribes with `+` (one level) and `#` (the rest);
//! NATS separates tokens with `.` and spells the wildcards `*` and `>`. The mapping
//! is one to one, so a pattern subscription on one machine sees exactly the
//! exchanges that the same pattern would match locally.

use spindle_core::exchange::{is_valid_name, is_valid_pattern};

use super::error::SubscribeError;

/// The subject of the exchange `name` under `prefix`: `sensors/kitchen/temp` with
/// prefix `home` is `home.sensors.kitchen.temp`. `None` if `name` is not a valid
/// exchange name or a level holds a character NATS reserves (`.`, `*`, `>`, space).
///
/// ```
/// use spindle_std::nats::{name_to_subject, pattern_to_subject};
/// assert_eq!(name_to_subject("home", "sensors/kitchen/temp").as_deref(), Some("home.sensors.kitchen.temp"));
/// assert_eq!(pattern_to_subject("home", "sensors/+/temp").as_deref(), Some("home.sensors.*.temp"));
/// assert_eq!(pattern_to_subject("home", "sensors/#").as_deref(), Some("home.sensors.>"));
/// assert_eq!(name_to_subject("home", "a.b"), None);
/// ```
pub fn name_to_subject(prefix: &str, name: &str) -> Option<String> {
    if !is_valid_name(name) {
        return None;
    }
    join(prefix, name.split('/').map(Some))
}

/// The subject pattern of the topic `pattern` under `prefix` (`+` -> `*`,
/// `#` -> `>`); `None` if it is not a valid pattern.
pub fn pattern_to_subject(prefix: &str, pattern: &str) -> Option<String> {
    if !is_valid_pattern(pattern) {
        return None;
    }
    join(
        prefix,
        pattern.split('/').map(|level| match level {
            "+" => Some("*"),
            "#" => Some(">"),
            other => Some(other),
        }),
    )
}

/// The exchange name a subject under `prefix` stands for (the inverse of
/// [`name_to_subject`]).
///
/// ```
/// use spindle_std::nats::subject_to_name;
/// assert_eq!(subject_to_name("home", "home.sensors.kitchen.temp").as_deref(), Some("sensors/kitchen/temp"));
/// assert_eq!(subject_to_name("home", "office.x"), None);
/// ```
pub fn subject_to_name(prefix: &str, subject: &str) -> Option<String> {
    let rest = if prefix.is_empty() {
        subject
    } else {
        subject.strip_prefix(prefix)?.strip_prefix('.')?
    };
    (!rest.is_empty()).then(|| rest.replace('.', "/"))
}

fn join<'a>(prefix: &str, levels: impl Iterator<Item = Option<&'a str>>) -> Option<String> {
    let mut subject = String::from(prefix);
    for level in levels {
        let level = level?;
        let wildcard = level == "*" || level == ">";
        if level.is_empty() || (!wildcard && level.contains(['.', '*', '>', ' ', '\t', '\r', '\n']))
        {
            return None;
        }
        if !subject.is_empty() {
            subject.push('.');
        }
        subject.push_str(level);
    }
    Some(subject)
}

/// A plain subject as given by the user: non-empty, no whitespace.
pub(crate) fn check_subject(subject: &str) -> Result<(), SubscribeError> {
    let bad = subject.is_empty()
        || subject.starts_with('.')
        || subject.ends_with('.')
        || subject.contains("..")
        || subject.contains(char::is_whitespace);
    if bad {
        Err(SubscribeError::BadSubject(subject.to_owned()))
    } else {
        Ok(())
    }
}
