// Money: integer minor units inside BEEP! (`{amount: bigint, currency}`), converted to
// each vendor's format with the currency's real ISO 4217 exponent (JPY 0, EUR 2, KWD 3,
// CLF 4). The same tables and rules as the Rust SDK's `money` module.

import { invalidConfig } from './errors.js';

/** Currencies whose exponent is not 2 (ISO 4217 list one, as published). */
const EXPONENTS = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** Active ISO 4217 codes with exponent 2. */
const TWO_DECIMALS = new Set(
  ('AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN ' +
    'BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS ' +
    'GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR ' +
    'LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD ' +
    'PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN ' +
    'SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD XCG YER ZAR ZMW ZWG').split(' '),
);

/** The number of decimals of an ISO 4217 currency, or `undefined` for an unknown code. */
export function exponent(currency) {
  const code = String(currency).toUpperCase();
  if (Object.prototype.hasOwnProperty.call(EXPONENTS, code)) return EXPONENTS[code];
  return TWO_DECIMALS.has(code) ? 2 : undefined;
}

function exponentOrThrow(currency) {
  const exp = exponent(currency);
  if (exp === undefined) throw invalidConfig(`unknown currency ${JSON.stringify(currency)}`);
  return exp;
}

/** `of(1999, 'eur')` → `{amount: 1999n, currency: 'EUR'}` (the contract's s64 is a BigInt). */
export function of(amount, currency) {
  return { amount: toBigInt(amount), currency: String(currency).toUpperCase() };
}

function toBigInt(amount) {
  if (typeof amount === 'bigint') return amount;
  if (typeof amount === 'number' && Number.isSafeInteger(amount)) return BigInt(amount);
  if (typeof amount === 'string' && /^-?\d+$/.test(amount.trim())) return BigInt(amount.trim());
  throw invalidConfig(`not an amount in minor units: ${String(amount)}`);
}

/**
 * Minor units to a major-unit decimal string with exactly the currency's decimals:
 * 1000 EUR → "10.00", 1000 JPY → "1000", 1000 KWD → "1.000".
 */
export function toMajorString(m) {
  const exp = exponentOrThrow(m.currency);
  const amount = toBigInt(m.amount);
  const sign = amount < 0n ? '-' : '';
  const abs = amount < 0n ? -amount : amount;
  if (exp === 0) return `${sign}${abs}`;
  const factor = 10n ** BigInt(exp);
  return `${sign}${abs / factor}.${String(abs % factor).padStart(exp, '0')}`;
}

/**
 * A major-unit decimal string to minor units (BigInt). More decimals than the currency
 * has is an error unless they are zeros ("10.50" EUR → 1050n; "1.5" JPY → error).
 */
export function fromMajorString(value, currency) {
  const exp = exponentOrThrow(currency);
  const bad = () => invalidConfig(`not a ${currency} amount: ${JSON.stringify(value)}`);
  let digits = String(value).trim();
  let negative = false;
  if (digits.startsWith('-')) {
    negative = true;
    digits = digits.slice(1);
  }
  const dot = digits.indexOf('.');
  const intPart = dot < 0 ? digits : digits.slice(0, dot);
  const fracPart = dot < 0 ? '' : digits.slice(dot + 1);
  if ((intPart === '' && fracPart === '') || !/^\d*$/.test(intPart) || !/^\d*$/.test(fracPart)) throw bad();
  const kept = fracPart.slice(0, exp);
  const dropped = fracPart.slice(exp);
  if (/[^0]/.test(dropped)) throw bad();
  const minor = BigInt(intPart || '0') * 10n ** BigInt(exp) + BigInt((kept || '0').padEnd(exp, '0') || '0');
  if (minor > 9223372036854775807n) throw bad();
  return negative ? -minor : minor;
}

/** Minor units to a major-unit number, for vendors that take a JSON number (exact below 2^53). */
export function toMajorNumber(m) {
  const exp = exponentOrThrow(m.currency);
  return Number(toBigInt(m.amount)) / 10 ** exp;
}

/** A major-unit number to minor units (BigInt), rounding half away from zero. */
export function fromMajorNumber(value, currency) {
  const exp = exponentOrThrow(currency);
  const scaled = Number(value) * 10 ** exp;
  const minor = Math.sign(scaled) * Math.round(Math.abs(scaled));
  if (!Number.isFinite(minor) || Math.abs(minor) > 9.0e15) {
    throw invalidConfig(`not a ${currency} amount: ${value}`);
  }
  return BigInt(minor);
}

/** The same as `of` (the Rust SDK's name). */
export const money = of;
