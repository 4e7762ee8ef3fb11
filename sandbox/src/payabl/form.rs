//! Latin-1 URL encoding: the gateway's form bodies (requests, answers and callbacks).

use std::collections::BTreeMap;

/// Latin-1 bytes of a string that came from Latin-1 (every char ≤ U+00FF); a char
/// outside Latin-1 becomes `?` (it cannot have come from a Latin-1 body).
pub(super) fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(c as u32).unwrap_or(b'?'))
        .collect()
}

fn decode_component(part: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        match part[i] {
            b'+' => bytes.push(b' '),
            b'%' if i + 2 < part.len() => {
                match std::str::from_utf8(&part[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        bytes.push(b);
                        i += 2;
                    }
                    None => bytes.push(b'%'),
                }
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    bytes.iter().map(|b| *b as char).collect()
}

/// A Latin-1 form body. The last occurrence of a repeated name wins.
pub fn parse_form(body: &[u8]) -> BTreeMap<String, String> {
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.iter().position(|b| *b == b'=') {
            Some(i) => (
                decode_component(&pair[..i]),
                decode_component(&pair[i + 1..]),
            ),
            None => (decode_component(pair), String::new()),
        })
        .collect()
}

pub fn encode_form<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        for (i, part) in [name, value].iter().enumerate() {
            if i == 1 {
                out.push('=');
            }
            for b in latin1(part) {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                        out.push(b as char)
                    }
                    b' ' => out.push('+'),
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
        }
    }
    out
}
