//! Topic names and patterns: `/`-separated levels, where a pattern's `+` matches
//! exactly one level and a final `#` matches the rest (zero or more levels), as in
//! MQTT. `sensors/+/temp` matches `sensors/kitchen/temp`; `sensors/#` matches
//! `sensors`, `sensors/kitchen` and `sensors/kitchen/temp`.

/// Whether `name` can name an exchange: not empty, and no `+` or `#` in it.
///
/// ```
/// use spindle_core::exchange::is_valid_name;
/// assert!(is_valid_name("sensors/kitchen/temp"));
/// assert!(!is_valid_name("sensors/+/temp") && !is_valid_name(""));
/// ```
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['+', '#'])
}

/// Whether `pattern` is well formed: not empty, each `+` or `#` is a whole level,
/// and `#` only as the last level.
///
/// ```
/// use spindle_core::exchange::is_valid_pattern;
/// assert!(is_valid_pattern("sensors/+/temp") && is_valid_pattern("#"));
/// assert!(!is_valid_pattern("sensors/#/temp") && !is_valid_pattern("sens+"));
/// ```
pub fn is_valid_pattern(pattern: &str) -> bool {
    if pattern.is_empty() {
        return false;
    }
    let mut levels = pattern.split('/').peekable();
    while let Some(level) = levels.next() {
        let last = levels.peek().is_none();
        match level {
            "+" => {}
            "#" if last => {}
            other if other.contains(['+', '#']) => return false,
            _ => {}
        }
    }
    true
}

/// Whether the topic `pattern` matches the exchange name `name`. A pattern with
/// no wildcard matches only the same name.
///
/// ```
/// use spindle_core::exchange::topic_matches;
/// assert!(topic_matches("sensors/+/temp", "sensors/kitchen/temp"));
/// assert!(!topic_matches("sensors/+/temp", "sensors/kitchen/humidity"));
/// assert!(topic_matches("sensors/#", "sensors"));
/// assert!(topic_matches("sensors/#", "sensors/kitchen/temp"));
/// assert!(!topic_matches("sensors/+", "sensors/kitchen/temp"));
/// ```
pub fn topic_matches(pattern: &str, name: &str) -> bool {
    let mut names = name.split('/');
    for level in pattern.split('/') {
        match level {
            "#" => return true,
            "+" => {
                if names.next().is_none() {
                    return false;
                }
            }
            exact => {
                if names.next() != Some(exact) {
                    return false;
                }
            }
        }
    }
    names.next().is_none()
}
