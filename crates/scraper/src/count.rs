//! Display counts: `1261`, `"1,234"`, `"1.2万"`, `"100万+"`, `"3亿"`.

/// Parses a displayed count into a number.
///
/// Accepts plain digits (with `,` or `，` thousands separators), a decimal fraction with a
/// Chinese or Latin multiplier (`千`/`k` = 10³, `万`/`w` = 10⁴, `亿` = 10⁸), and a trailing `+`
/// ("100万+" is a display cap; the number shown is returned). Surrounding whitespace is ignored.
/// Returns `None` for anything else (negative numbers, words, empty text, overflow).
pub fn parse_count(text: &str) -> Option<u64> {
    let s = text.trim();
    let s = s.strip_suffix('+').unwrap_or(s).trim_end();
    if s.is_empty() {
        return None;
    }
    let (number, multiplier) = if let Some(n) = s.strip_suffix('亿') {
        (n, 100_000_000u64)
    } else if let Some(n) = s.strip_suffix('万').or_else(|| s.strip_suffix(['w', 'W'])) {
        (n, 10_000)
    } else if let Some(n) = s.strip_suffix('千').or_else(|| s.strip_suffix(['k', 'K'])) {
        (n, 1_000)
    } else {
        (s, 1)
    };
    let number = number.trim_end();
    let (int_part, frac_part) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    let mut digits = 0usize;
    for c in int_part.chars() {
        match c {
            '0'..='9' => {
                value = value
                    .checked_mul(10)?
                    .checked_add(u64::from(c as u8 - b'0'))?;
                digits += 1;
            }
            ',' | '，' if digits > 0 => {}
            _ => return None,
        }
    }
    value = value.checked_mul(multiplier)?;
    if !frac_part.is_empty() {
        if multiplier == 1 && frac_part.bytes().any(|b| b != b'0') {
            // "12.5" as a plain count is not a count.
            return None;
        }
        let mut scale = multiplier;
        for c in frac_part.chars() {
            let d = c.to_digit(10)?;
            scale /= 10;
            value = value.checked_add(u64::from(d).checked_mul(scale)?)?;
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::parse_count;

    #[test]
    fn display_forms() {
        assert_eq!(parse_count("1261"), Some(1261));
        assert_eq!(parse_count(" 1,234 "), Some(1234));
        assert_eq!(parse_count("1.2万"), Some(12_000));
        assert_eq!(parse_count("100万+"), Some(1_000_000));
        assert_eq!(parse_count("3亿"), Some(300_000_000));
        assert_eq!(parse_count("2.35亿"), Some(235_000_000));
        assert_eq!(parse_count("1.5w"), Some(15_000));
        assert_eq!(parse_count("0"), Some(0));
        assert_eq!(parse_count("10.0"), Some(10));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "+",
            "-3",
            "abc",
            "1.2.3万",
            "万",
            ",12",
            "12.5",
            "99999999999999999999",
        ] {
            assert_eq!(parse_count(bad), None, "{bad:?}");
        }
    }
}
