//! Amounts of money as integer minor units with their ISO 4217 currency: no floating point, so
//! sums never drift (0.10 + 0.20 is exactly 0.30).
//!
//! The ledger keeps an amount as the decimal string the user gave and its currency code (the
//! on-disk format is unchanged); [`Money::parse`] reads that pair, refusing anything that is not
//! digits with at most one point, or that has more decimals than the currency has.

use std::fmt;

/// An ISO 4217 alphabetic currency code, e.g. `USD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

/// ISO 4217 currencies without minor units.
const ZERO_DECIMALS: [&str; 17] = [
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];
/// ISO 4217 currencies with three decimals.
const THREE_DECIMALS: [&str; 7] = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

impl Currency {
    /// Three ASCII letters, case-insensitive (`usd` is `USD`).
    pub fn parse(s: &str) -> Option<Currency> {
        let b = s.trim().as_bytes();
        let code: [u8; 3] = b.try_into().ok()?;
        code.iter()
            .all(u8::is_ascii_alphabetic)
            .then(|| Currency(code.map(|c| c.to_ascii_uppercase())))
    }

    pub fn as_str(&self) -> &str {
        // Three ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Digits after the decimal point: 0 for JPY or KRW, 3 for KWD or BHD, else 2 (also for codes
    /// vault does not know).
    pub fn exponent(&self) -> u32 {
        let code = self.as_str();
        if ZERO_DECIMALS.contains(&code) {
            0
        } else if THREE_DECIMALS.contains(&code) {
            3
        } else {
            2
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount in a currency's minor units (cents for USD, yen for JPY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// `"812.00"`, `"8"`, `".5"` in `currency`; an error naming what is wrong otherwise.
    pub fn parse(amount: &str, currency: &str) -> Result<Money, String> {
        let currency = Currency::parse(currency)
            .ok_or_else(|| format!("{currency:?} is not a currency code like USD"))?;
        let a = amount.trim();
        let bad = || format!("{amount:?} is not an amount like 8.00");
        if a.is_empty() || a == "." || !a.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(bad());
        }
        let (whole, frac) = a.split_once('.').unwrap_or((a, ""));
        if frac.contains('.') {
            return Err(bad());
        }
        let exp = currency.exponent();
        if frac.len() > exp as usize {
            return Err(format!(
                "{amount:?} has more decimals than {currency} has ({exp})"
            ));
        }
        let too_big = || format!("{amount:?} is too large");
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_big())?
        };
        let frac_value: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        let scale = 10i64.pow(exp);
        let frac_minor = frac_value * 10i64.pow(exp - frac.len() as u32);
        let minor = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(frac_minor))
            .ok_or_else(too_big)?;
        Ok(Money { minor, currency })
    }

    /// The sum, or `None` on another currency or an overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency).then_some(())?;
        Some(Money {
            minor: self.minor.checked_add(other.minor)?,
            currency: self.currency,
        })
    }

    /// The amount as a decimal string with the currency's decimals: `812.00`, `500` (JPY).
    pub fn amount(&self) -> String {
        let exp = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if exp == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(exp);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = exp as usize
        )
    }
}

impl fmt::Display for Money {
    /// `812.00 USD`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(a: &str, c: &str) -> Money {
        Money::parse(a, c).unwrap()
    }

    #[test]
    fn amounts_parse_to_minor_units() {
        assert_eq!(m("812.00", "USD").minor, 81200);
        assert_eq!(m("8", "usd").minor, 800);
        assert_eq!(m("8.5", "EUR").minor, 850);
        assert_eq!(m(".99", "EUR").minor, 99);
        assert_eq!(m("500", "JPY").minor, 500);
        assert_eq!(m("1.5", "KWD").minor, 1500);
        assert_eq!(m("8.5", "usd").currency.as_str(), "USD");
    }

    #[test]
    fn bad_amounts_are_refused_with_a_reason() {
        for (a, c) in [
            ("8.€", "USD"),
            ("", "USD"),
            (".", "USD"),
            ("1.2.3", "USD"),
            ("-5", "USD"),
            ("8.5", "JPY"),
            ("8.005", "USD"),
            ("99999999999999999999", "USD"),
            ("8", "US"),
            ("8", "U$D"),
            ("8", "€€€"),
        ] {
            assert!(Money::parse(a, c).is_err(), "{a:?} {c:?}");
        }
        assert!(
            Money::parse("8.5", "JPY")
                .unwrap_err()
                .contains("more decimals than JPY")
        );
    }

    #[test]
    fn sums_are_exact_and_keep_to_one_currency() {
        let s = m("0.10", "USD").checked_add(m("0.20", "USD")).unwrap();
        assert_eq!(s.amount(), "0.30");
        assert_eq!(s.to_string(), "0.30 USD");
        assert_eq!(m("0.10", "USD").checked_add(m("1", "EUR")), None);
        assert_eq!(m("500", "JPY").amount(), "500");
        assert_eq!(m("1.5", "KWD").amount(), "1.500");
        let max = Money {
            minor: i64::MAX,
            currency: Currency::parse("USD").unwrap(),
        };
        assert_eq!(max.checked_add(m("0.01", "USD")), None);
    }

    proptest::proptest! {
        #[test]
        fn any_amount_round_trips(minor in 0i64..1_000_000_000_000, code in "(USD|JPY|KWD|EUR)") {
            let money = Money { minor, currency: Currency::parse(&code).unwrap() };
            proptest::prop_assert_eq!(Money::parse(&money.amount(), &code), Ok(money));
        }
    }
}
