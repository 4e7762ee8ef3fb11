// Form bodies with bracket nesting, the convention of Stripe and other Rails/PHP-style
// APIs: {metadata: {id: 'x'}, types: ['card']} → metadata[id]=x&types[0]=card.

/**
 * Flattens an object into [key, value] pairs: null/undefined left out, booleans as
 * true/false, arrays indexed (a[0]), nested objects bracketed (a[b][c]).
 */
export function toPairs(value) {
  const out = [];
  for (const [k, v] of Object.entries(value ?? {})) flatten(k, v, out);
  return out;
}

function flatten(key, value, out) {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => flatten(`${key}[${i}]`, item, out));
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(`${key}[${k}]`, v, out);
  } else {
    out.push([key, String(value)]);
  }
}

/** application/x-www-form-urlencoded, as the WHATWG URL standard (and Rust's form_urlencoded) encode it. */
export function encodeForm(pairs) {
  return pairs.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&');
}

function encodeComponent(s) {
  let out = '';
  for (const byte of new TextEncoder().encode(String(s))) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9*\-._]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
