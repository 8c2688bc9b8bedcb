//! Model formulas in the patsy/statsmodels style, and the model frame they build.
//!
//! Supported: `y ~ a + b`, interactions `a:b`, `a*b` (= `a + b + a:b`), `I(expr)` with
//! `+ - * / ^ **`, `log`, `exp`, `sqrt`, `abs` (also usable directly, e.g. `log(revenue)`),
//! `C(col)` for treatment-coded dummies (first level, in sorted order, is the reference),
//! `- 1` / `+ 0` to drop the intercept. Terms are ordered by degree as patsy does, and
//! named as statsmodels names them (`Intercept`, `a:b`, `I(x ** 2)`, `C(region)[T.west]`).

use std::fmt;

use ndarray::{Array1, Array2, ShapeBuilder};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::dd::Dd;
use super::ols::Design;
use crate::data::load;
use crate::error::{Error, Result};
use std::ops::{Add, Div, Mul, Neg, Sub};

/// A function usable in formulas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Log,
    Exp,
    Sqrt,
    Abs,
}

impl Func {
    fn from_name(s: &str) -> Option<Self> {
        match s {
            "log" | "np.log" => Some(Func::Log),
            "exp" | "np.exp" => Some(Func::Exp),
            "sqrt" | "np.sqrt" => Some(Func::Sqrt),
            "abs" | "np.abs" => Some(Func::Abs),
            _ => None,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Func::Log => "log",
            Func::Exp => "exp",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
        }
    }
    fn apply(self, v: f64) -> f64 {
        match self {
            Func::Log => v.ln(),
            Func::Exp => v.exp(),
            Func::Sqrt => v.sqrt(),
            Func::Abs => v.abs(),
        }
    }
}

/// Arithmetic expression inside `I()` or a function call.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number, with the text it was written as.
    Num(f64, String),
    Col(String),
    Neg(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
    Call(Func, Box<Expr>),
}

impl Expr {
    fn prec(&self) -> u8 {
        match self {
            Expr::Bin('+' | '-', ..) => 1,
            Expr::Bin('*' | '/', ..) => 2,
            Expr::Neg(_) => 3,
            Expr::Bin(..) => 4,
            _ => 5,
        }
    }

    fn columns(&self, out: &mut Vec<String>) {
        match self {
            Expr::Col(c) => {
                if !out.contains(c) {
                    out.push(c.clone())
                }
            }
            Expr::Neg(e) | Expr::Call(_, e) => e.columns(out),
            Expr::Bin(_, a, b) => {
                a.columns(out);
                b.columns(out);
            }
            Expr::Num(..) => {}
        }
    }

    /// Evaluate row-wise (`get` returns a numeric column) in double-double arithmetic (see [`super::dd`]): sums, products,
    /// quotients and integer powers carry ~32 digits, so `I(x ** 10)` is the exact power of
    /// the double x to far beyond double precision; `abs` is exact, `sqrt` refined by one
    /// Newton step; `log`, `exp` and non-integer powers are double precision.
    fn eval_dd(&self, get: &dyn Fn(&str) -> Result<Vec<f64>>, n: usize) -> Result<Vec<Dd>> {
        Ok(match self {
            Expr::Num(v, _) => vec![Dd::from_f64(*v); n],
            Expr::Col(c) => get(c)?.into_iter().map(Dd::from_f64).collect(),
            Expr::Neg(e) => e.eval_dd(get, n)?.into_iter().map(Dd::neg).collect(),
            Expr::Call(f, e) => e
                .eval_dd(get, n)?
                .into_iter()
                .map(|v| match f {
                    Func::Abs if v.hi < 0.0 => v.neg(),
                    Func::Abs => v,
                    Func::Sqrt if v.hi > 0.0 && v.is_finite() => {
                        let s = v.hi.sqrt();
                        let r = v.sub(super::dd::Dd::from_f64(s).mul_f64(s));
                        Dd::from_f64(s).add_f64(r.to_f64() / (2.0 * s))
                    }
                    _ => Dd::from_f64(f.apply(v.to_f64())),
                })
                .collect(),
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval_dd(get, n)?, b.eval_dd(get, n)?);
                a.into_iter()
                    .zip(b)
                    .map(|(x, y)| match op {
                        '+' => x.add(y),
                        '-' => x.sub(y),
                        '*' => x.mul(y),
                        '/' => x.div(y),
                        _ if y.lo == 0.0 && y.hi.fract() == 0.0 && y.hi.abs() <= 64.0 => {
                            x.powi(y.hi as i32)
                        }
                        _ => Dd::from_f64(pow(x.to_f64(), y.to_f64())),
                    })
                    .collect()
            }
        })
    }
}

/// x^y, exact for small integer powers (as numpy's `**` on floats is for 2).
fn pow(x: f64, y: f64) -> f64 {
    if y.fract() == 0.0 && y.abs() <= 16.0 {
        x.powi(y as i32)
    } else {
        x.powf(y)
    }
}

impl fmt::Display for Expr {
    /// Python-style text, as statsmodels names `I()` terms: `I(x ** 2)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let wrap = |e: &Expr, min: u8, f: &mut fmt::Formatter<'_>| {
            if e.prec() < min {
                write!(f, "({e})")
            } else {
                write!(f, "{e}")
            }
        };
        match self {
            Expr::Num(_, text) => write!(f, "{text}"),
            Expr::Col(c) => write!(f, "{c}"),
            Expr::Neg(e) => {
                write!(f, "-")?;
                wrap(e, 3, f)
            }
            Expr::Call(func, e) => write!(f, "{}({e})", func.name()),
            Expr::Bin(op, a, b) => {
                let p = self.prec();
                let text = if *op == '^' {
                    "**".to_string()
                } else {
                    op.to_string()
                };
                // Left-associative except the power, which is right-associative.
                let (lmin, rmin) = if *op == '^' { (p + 1, p) } else { (p, p + 1) };
                wrap(a, lmin, f)?;
                write!(f, " {text} ")?;
                wrap(b, rmin, f)
            }
        }
    }
}

/// One factor of a term.
#[derive(Debug, Clone, PartialEq)]
pub enum Factor {
    /// A numeric column or expression, with its display name.
    Numeric { name: String, expr: Expr },
    /// Treatment-coded dummies of a column.
    Categorical { column: String },
}

impl Factor {
    fn key(&self) -> String {
        match self {
            Factor::Numeric { name, .. } => name.clone(),
            Factor::Categorical { column } => format!("C({column})"),
        }
    }
}

/// A term: a product of factors (none = the intercept).
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub factors: Vec<Factor>,
}

impl Term {
    fn same(&self, other: &Term) -> bool {
        let mut a: Vec<String> = self.factors.iter().map(Factor::key).collect();
        let mut b: Vec<String> = other.factors.iter().map(Factor::key).collect();
        a.sort();
        b.sort();
        a == b
    }
    fn interact(&self, other: &Term) -> Term {
        let mut factors = self.factors.clone();
        for f in &other.factors {
            if !factors.iter().any(|g| g.key() == f.key()) {
                factors.push(f.clone());
            }
        }
        Term { factors }
    }
}

/// A parsed formula.
#[derive(Debug, Clone)]
pub struct Formula {
    pub text: String,
    pub response: Factor,
    /// Non-intercept terms in patsy order (by degree, then as written).
    pub terms: Vec<Term>,
    pub intercept: bool,
}

/// Largest absolute value a model column may hold: squares of larger values overflow.
pub const MAX_MAGNITUDE: f64 = 1e150;

/// A column name as it must be written in a formula: as is when it is a plain
/// identifier, else quoted as patsy's `Q("...")` (or backticks when it holds a `"`).
pub fn quote_name(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !matches!(name, "Q" | "I" | "C")
        && Func::from_name(name).is_none();
    if plain {
        name.to_string()
    } else if !name.contains('"') {
        format!("Q(\"{name}\")")
    } else {
        format!("`{name}`")
    }
}

// ---------------------------------------------------------------- tokenizer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Num(f64, String),
    Op(&'static str),
}

fn tokenize(s: &str) -> std::result::Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '.'
                    || chars[i] == 'e'
                    || chars[i] == 'E'
                    || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let v = text
                .parse::<f64>()
                .map_err(|_| format!("'{text}' is not a number"))?;
            out.push(Tok::Num(v, text));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            // patsy's Q("name with spaces") or Q('...'): a quoted column name.
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if name == "Q" && chars.get(j) == Some(&'(') {
                j += 1;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                let quote = match chars.get(j) {
                    Some(&q @ ('"' | '\'')) => q,
                    _ => {
                        return Err(
                            "Q(...) takes a quoted column name, e.g. Q(\"Quality rating\")".into(),
                        )
                    }
                };
                let end = chars[j + 1..]
                    .iter()
                    .position(|&d| d == quote)
                    .ok_or("unclosed quote in Q(...)")?;
                let inner: String = chars[j + 1..j + 1 + end].iter().collect();
                j += end + 2;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if chars.get(j) != Some(&')') {
                    return Err("Q(\"...\") is missing its closing ')'".into());
                }
                i = j + 1;
                out.push(Tok::Name(inner));
            } else {
                out.push(Tok::Name(name));
            }
        } else if c == '`' {
            let end = chars[i + 1..]
                .iter()
                .position(|&d| d == '`')
                .ok_or("unclosed backquote")?;
            out.push(Tok::Name(chars[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = if two == "**" {
                i += 2;
                "^"
            } else {
                i += 1;
                match c {
                    '~' => "~",
                    '+' => "+",
                    '-' => "-",
                    '*' => "*",
                    '/' => "/",
                    '^' => "^",
                    ':' => ":",
                    '(' => "(",
                    ')' => ")",
                    _ => return Err(format!("unexpected character '{c}'")),
                }
            };
            out.push(Tok::Op(op));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- parser

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

/// A set of terms plus intercept edits, the value of a formula sub-expression.
#[derive(Debug, Clone, Default)]
struct TermSet {
    terms: Vec<Term>,
    /// Some(true) = `1` present; Some(false) = `0` present.
    intercept: Option<bool>,
}

impl TermSet {
    fn push(&mut self, t: Term) {
        if !self.terms.iter().any(|u| u.same(&t)) {
            self.terms.push(t);
        }
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn eat(&mut self, op: &str) -> bool {
        if self.peek()
            == Some(&Tok::Op(match op {
                "~" => "~",
                "+" => "+",
                "-" => "-",
                "*" => "*",
                "/" => "/",
                "^" => "^",
                ":" => ":",
                "(" => "(",
                _ => ")",
            }))
        {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, op: &str) -> std::result::Result<(), String> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(format!("expected '{op}' {}", self.at()))
        }
    }
    fn at(&self) -> String {
        match self.peek() {
            None => "at the end".into(),
            Some(Tok::Name(n)) => format!("at '{n}'"),
            Some(Tok::Num(_, t)) => format!("at '{t}'"),
            Some(Tok::Op(o)) => format!("at '{o}'"),
        }
    }

    // formula level: sum := product (('+'|'-') product)*
    fn sum(&mut self) -> std::result::Result<TermSet, String> {
        let mut acc = self.product()?;
        loop {
            if self.eat("+") {
                let rhs = self.product()?;
                if rhs.intercept.is_some() {
                    acc.intercept = rhs.intercept;
                }
                for t in rhs.terms {
                    acc.push(t);
                }
            } else if self.eat("-") {
                let rhs = self.product()?;
                if rhs.intercept == Some(true) {
                    acc.intercept = Some(false);
                } else if rhs.intercept == Some(false) {
                    acc.intercept = Some(true);
                }
                acc.terms.retain(|t| !rhs.terms.iter().any(|r| r.same(t)));
            } else {
                return Ok(acc);
            }
        }
    }

    fn product(&mut self) -> std::result::Result<TermSet, String> {
        let mut acc = self.interaction()?;
        while self.eat("*") {
            let rhs = self.interaction()?;
            let mut out = TermSet {
                intercept: acc.intercept.or(rhs.intercept),
                ..Default::default()
            };
            for t in acc.terms.iter().chain(&rhs.terms) {
                out.push(t.clone());
            }
            for a in &acc.terms {
                for b in &rhs.terms {
                    out.push(a.interact(b));
                }
            }
            acc = out;
        }
        Ok(acc)
    }

    fn interaction(&mut self) -> std::result::Result<TermSet, String> {
        let mut acc = self.atom()?;
        while self.eat(":") {
            let rhs = self.atom()?;
            let mut out = TermSet::default();
            for a in &acc.terms {
                for b in &rhs.terms {
                    out.push(a.interact(b));
                }
            }
            acc = out;
        }
        Ok(acc)
    }

    fn atom(&mut self) -> std::result::Result<TermSet, String> {
        if self.eat("(") {
            let inner = self.sum()?;
            self.expect(")")?;
            return Ok(inner);
        }
        match self.peek().cloned() {
            Some(Tok::Num(v, t)) => {
                self.pos += 1;
                if v == 1.0 {
                    Ok(TermSet {
                        terms: vec![],
                        intercept: Some(true),
                    })
                } else if v == 0.0 {
                    Ok(TermSet {
                        terms: vec![],
                        intercept: Some(false),
                    })
                } else {
                    Err(format!("a number ('{t}') can only be 0 or 1 outside I()"))
                }
            }
            Some(Tok::Name(_)) => {
                let f = self.factor()?;
                Ok(TermSet {
                    terms: vec![Term { factors: vec![f] }],
                    intercept: None,
                })
            }
            _ => Err(format!("expected a term {}", self.at())),
        }
    }

    /// NAME | I(expr) | C(NAME) | func(expr)
    fn factor(&mut self) -> std::result::Result<Factor, String> {
        let Some(Tok::Name(name)) = self.peek().cloned() else {
            return Err(format!("expected a column name {}", self.at()));
        };
        self.pos += 1;
        if !self.eat("(") {
            return Ok(Factor::Numeric {
                name: name.clone(),
                expr: Expr::Col(name),
            });
        }
        match name.as_str() {
            "I" => {
                let e = self.expr()?;
                self.expect(")")?;
                Ok(Factor::Numeric {
                    name: format!("I({e})"),
                    expr: e,
                })
            }
            "C" => {
                let Some(Tok::Name(col)) = self.peek().cloned() else {
                    return Err(format!("C() takes a column name {}", self.at()));
                };
                self.pos += 1;
                self.expect(")")?;
                Ok(Factor::Categorical { column: col })
            }
            other => {
                let func = Func::from_name(other).ok_or_else(|| {
                    format!(
                        "unknown function '{other}'; use I(), C(), log(), exp(), sqrt() or abs()"
                    )
                })?;
                let e = self.expr()?;
                self.expect(")")?;
                let call = Expr::Call(func, Box::new(e));
                Ok(Factor::Numeric {
                    name: call.to_string(),
                    expr: call,
                })
            }
        }
    }

    // arithmetic: expr := mul (('+'|'-') mul)*
    fn expr(&mut self) -> std::result::Result<Expr, String> {
        let mut a = self.mul()?;
        loop {
            let op = if self.eat("+") {
                '+'
            } else if self.eat("-") {
                '-'
            } else {
                return Ok(a);
            };
            a = Expr::Bin(op, Box::new(a), Box::new(self.mul()?));
        }
    }
    fn mul(&mut self) -> std::result::Result<Expr, String> {
        let mut a = self.unary()?;
        loop {
            let op = if self.eat("*") {
                '*'
            } else if self.eat("/") {
                '/'
            } else {
                return Ok(a);
            };
            a = Expr::Bin(op, Box::new(a), Box::new(self.unary()?));
        }
    }
    fn unary(&mut self) -> std::result::Result<Expr, String> {
        if self.eat("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.power()
    }
    fn power(&mut self) -> std::result::Result<Expr, String> {
        let base = self.primary()?;
        if self.eat("^") {
            let exp = self.unary()?; // right-associative
            return Ok(Expr::Bin('^', Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }
    fn primary(&mut self) -> std::result::Result<Expr, String> {
        if self.eat("(") {
            let e = self.expr()?;
            self.expect(")")?;
            return Ok(e);
        }
        match self.peek().cloned() {
            Some(Tok::Num(v, t)) => {
                self.pos += 1;
                Ok(Expr::Num(v, t))
            }
            Some(Tok::Name(n)) => {
                self.pos += 1;
                if self.eat("(") {
                    let func = Func::from_name(&n).ok_or_else(|| {
                        format!("unknown function '{n}'; use log, exp, sqrt or abs")
                    })?;
                    let e = self.expr()?;
                    self.expect(")")?;
                    Ok(Expr::Call(func, Box::new(e)))
                } else {
                    Ok(Expr::Col(n))
                }
            }
            _ => Err(format!("expected a number, column or '(' {}", self.at())),
        }
    }
}

impl Formula {
    /// Parse `text`.
    pub fn parse(text: &str) -> Result<Self> {
        let err = |message: String| Error::Formula {
            formula: text.to_string(),
            message,
        };
        let toks = tokenize(text).map_err(err)?;
        let Some(tilde) = toks.iter().position(|t| *t == Tok::Op("~")) else {
            return Err(err(
                "no '~': write it as 'response ~ predictor + ...'".into()
            ));
        };
        let mut lhs = Parser {
            toks: toks[..tilde].to_vec(),
            pos: 0,
        };
        let response = lhs.factor().map_err(&err)?;
        if lhs.pos != lhs.toks.len() {
            return Err(err(format!(
                "the response must be one column or expression; unexpected input {}",
                lhs.at()
            )));
        }
        if matches!(response, Factor::Categorical { .. }) {
            return Err(err("the response must be numeric, not C(...)".into()));
        }
        let mut rhs = Parser {
            toks: toks[tilde + 1..].to_vec(),
            pos: 0,
        };
        if rhs.toks.is_empty() {
            return Err(err(
                "nothing after '~'; use '1' for an intercept-only model".into(),
            ));
        }
        let set = rhs.sum().map_err(&err)?;
        if rhs.pos != rhs.toks.len() {
            return Err(err(format!("unexpected input {}", rhs.at())));
        }
        let mut terms = set.terms;
        terms.sort_by_key(|t| t.factors.len()); // stable: by degree, then as written
        let intercept = set.intercept.unwrap_or(true);
        if terms.is_empty() && !intercept {
            return Err(err("the model has no terms".into()));
        }
        Ok(Formula {
            text: text.to_string(),
            response,
            terms,
            intercept,
        })
    }

    /// Every column the formula reads: (name, is_categorical).
    pub fn columns(&self) -> Vec<(String, bool)> {
        let mut num = Vec::new();
        let mut cat: Vec<String> = Vec::new();
        let mut visit = |f: &Factor| match f {
            Factor::Numeric { expr, .. } => expr.columns(&mut num),
            Factor::Categorical { column } => {
                if !cat.contains(column) {
                    cat.push(column.clone())
                }
            }
        };
        visit(&self.response);
        for t in &self.terms {
            for f in &t.factors {
                visit(f);
            }
        }
        num.into_iter()
            .map(|c| (c, false))
            .chain(cat.into_iter().map(|c| (c, true)))
            .collect()
    }

    /// Response name.
    pub fn response_name(&self) -> String {
        match &self.response {
            Factor::Numeric { name, .. } => name.clone(),
            Factor::Categorical { column } => column.clone(),
        }
    }
}

/// Rows removed while building a model frame.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RowsDropped {
    /// Column (or expression) whose value was missing or not finite.
    pub column: String,
    pub rows: usize,
}

/// A design ready for OLS, with the rows it kept.
#[derive(Debug, Clone)]
pub struct ModelFrame {
    pub design: Design,
    /// Row indices (0-based, in the input table) used.
    pub rows: Vec<usize>,
    pub dropped: Vec<RowsDropped>,
}

/// Build the design for `formula` from `df`; `file` names the table in errors.
///
/// Rows with a missing or non-finite value in any used column (or produced by a
/// transformation such as log of a non-positive number) are dropped and reported per column.
/// A text cell in a column the formula uses as a number: say how to use it as categories.
pub fn as_category_hint(e: Error, column: &str) -> Error {
    match e {
        Error::NonNumeric {
            file,
            column: c,
            location,
            value,
            hint,
        } => Error::NonNumeric {
            file,
            column: c,
            location,
            value,
            hint: format!(
                "If '{column}' holds categories, write it as C({}) in the formula (one dummy per level); otherwise: {hint}",
                quote_name(column)
            ),
        },
        other => other,
    }
}

pub fn model_frame(formula: &Formula, df: &DataFrame, file: &str) -> Result<ModelFrame> {
    let n = df.height();
    let mut numeric: std::collections::HashMap<String, Vec<f64>> = Default::default();
    let mut cats: std::collections::HashMap<String, (Vec<Option<String>>, bool)> =
        Default::default();
    for (c, is_cat) in formula.columns() {
        load::require_column(df, file, &c)?;
        if is_cat {
            let col = df.column(&c)?;
            let is_num = col.dtype().is_primitive_numeric();
            let s = col.cast(&DataType::String)?;
            let vals = s
                .as_materialized_series()
                .str()?
                .iter()
                .map(|v| v.map(str::to_string))
                .collect();
            cats.insert(c, (vals, is_num));
        } else {
            let one =
                load::require_numeric(df.select([c.as_str()])?, file, &c, &Default::default())
                    .map_err(|e| as_category_hint(e, &c))?;
            let vals = one
                .column(&c)?
                .as_materialized_series()
                .f64()?
                .iter()
                .map(|v| v.unwrap_or(f64::NAN))
                .collect();
            numeric.insert(c, vals);
        }
    }
    let get = |name: &str| -> Result<Vec<f64>> {
        numeric
            .get(name)
            .cloned()
            .ok_or_else(|| Error::Internal(format!("column {name} not loaded")))
    };

    // Evaluate the response and every numeric factor once, in double-double (the doubles
    // used everywhere are the rounded values; the low parts serve the refinement).
    let mut evaluated: Vec<(String, Vec<f64>)> = Vec::new();
    let mut evaluated_dd: Vec<Vec<Dd>> = Vec::new();
    let mut eval_factor = |f: &Factor| -> Result<()> {
        if let Factor::Numeric { name, expr } = f {
            if !evaluated.iter().any(|(k, _)| k == name) {
                let dd = expr.eval_dd(&get, n)?;
                evaluated.push((name.clone(), dd.iter().map(|v| v.to_f64()).collect()));
                evaluated_dd.push(dd);
            }
        }
        Ok(())
    };
    eval_factor(&formula.response)?;
    for t in &formula.terms {
        for f in &t.factors {
            eval_factor(f)?;
        }
    }

    // Keep rows finite in everything used; attribute each dropped row to its first culprit.
    let mut keep = vec![true; n];
    let mut dropped = Vec::new();
    for (name, vals) in &evaluated {
        let mut count = 0;
        for (k, v) in keep.iter_mut().zip(vals) {
            if *k && !v.is_finite() {
                *k = false;
                count += 1;
            }
        }
        if count > 0 {
            dropped.push(RowsDropped {
                column: name.clone(),
                rows: count,
            });
        }
    }
    for (name, (vals, _)) in &cats {
        let mut count = 0;
        for (k, v) in keep.iter_mut().zip(vals) {
            if *k && v.is_none() {
                *k = false;
                count += 1;
            }
        }
        if count > 0 {
            dropped.push(RowsDropped {
                column: format!("C({name})"),
                rows: count,
            });
        }
    }
    let rows: Vec<usize> = (0..n).filter(|&i| keep[i]).collect();
    if rows.is_empty() {
        return Err(Error::Degenerate(format!(
            "{file}: no row has finite values in every column of '{}' ({})",
            formula.text,
            dropped
                .iter()
                .map(|d| {
                    format!(
                        "{} {} '{}'",
                        d.rows,
                        if d.rows == 1 {
                            "row lacks"
                        } else {
                            "rows lack"
                        },
                        d.column
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }

    // Magnitudes beyond ~1e150 make squares and cross-products overflow: refuse them with
    // the column's range instead of letting infinities reach the solver.
    for (name, vals) in &evaluated {
        let (mut lo, mut hi, mut at) = (f64::INFINITY, 0.0f64, 0usize);
        for &i in &rows {
            let a = vals[i].abs();
            if a > hi {
                hi = a;
                at = i;
            }
            if a > 0.0 && a < lo {
                lo = a;
            }
        }
        if hi > MAX_MAGNITUDE {
            return Err(Error::Degenerate(format!(
                "{file}: '{name}' reaches {:.3e} (data row {}); its absolute values run from {:.3e} to {:.3e}, {:.0} orders of magnitude. Beyond about 1e150 squares and cross-products overflow double precision, so the least squares cannot be computed: rescale the column (divide by a power of ten), use log(), or fix the cell.",
                vals[at],
                at + 1,
                lo,
                hi,
                (hi / lo).log10().floor()
            )));
        }
    }

    // Levels of each categorical column, sorted (numerically when the column is numeric).
    let mut levels: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (name, (vals, is_num)) in &cats {
        let mut lv: Vec<String> = rows.iter().filter_map(|&i| vals[i].clone()).collect();
        lv.sort();
        lv.dedup();
        if *is_num {
            lv.sort_by(|a, b| {
                a.parse::<f64>()
                    .unwrap_or(f64::NAN)
                    .total_cmp(&b.parse::<f64>().unwrap_or(f64::NAN))
            });
        }
        levels.insert(name.clone(), lv);
    }

    // Columns of X: each term is the product of its factors' columns.
    let m = rows.len();
    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<Vec<Dd>> = Vec::new();
    let one = Dd::from_f64(1.0);
    if formula.intercept {
        names.push("Intercept".into());
        columns.push(vec![one; m]);
    }
    // As patsy: without an intercept, the first term that is a lone categorical factor
    // gets a dummy for every level (full rank); every other one drops its first level.
    let full_rank_term = (!formula.intercept)
        .then(|| {
            formula.terms.iter().position(|t| {
                t.factors.len() == 1 && matches!(t.factors[0], Factor::Categorical { .. })
            })
        })
        .flatten();
    for (ti, t) in formula.terms.iter().enumerate() {
        let skip = usize::from(full_rank_term != Some(ti));
        let mut parts: Vec<(String, Vec<Dd>)> = vec![(String::new(), vec![one; m])];
        for f in &t.factors {
            let options: Vec<(String, Vec<Dd>)> = match f {
                Factor::Numeric { name, .. } => {
                    let k = evaluated
                        .iter()
                        .position(|(k, _)| k == name)
                        .ok_or_else(|| Error::Internal("factor".into()))?;
                    let vals = &evaluated_dd[k];
                    vec![(name.clone(), rows.iter().map(|&i| vals[i]).collect())]
                }
                Factor::Categorical { column } => {
                    let (vals, _) = &cats[column];
                    levels[column]
                        .iter()
                        .skip(skip)
                        .map(|lv| {
                            (
                                if skip == 0 {
                                    format!("C({column})[{lv}]")
                                } else {
                                    format!("C({column})[T.{lv}]")
                                },
                                rows.iter()
                                    .map(|&i| {
                                        Dd::from_f64(f64::from(u8::from(
                                            vals[i].as_deref() == Some(lv.as_str()),
                                        )))
                                    })
                                    .collect(),
                            )
                        })
                        .collect()
                }
            };
            let mut next = Vec::new();
            for (pn, pv) in &parts {
                for (on, ov) in &options {
                    let name = if pn.is_empty() {
                        on.clone()
                    } else {
                        format!("{pn}:{on}")
                    };
                    next.push((name, pv.iter().zip(ov).map(|(a, b)| a.mul(*b)).collect()));
                }
            }
            parts = next;
        }
        for (name, vals) in parts {
            names.push(name);
            columns.push(vals);
        }
    }
    let p = columns.len();
    if p == 0 {
        return Err(Error::Degenerate(format!(
            "{file}: formula '{}' leaves no regressor to estimate (no intercept, and its terms produce no columns, e.g. a C() column with a single level); add a term or keep the intercept",
            formula.text
        )));
    }
    let internal = |e: ndarray::ShapeError| Error::Internal(e.to_string());
    let x = Array2::from_shape_vec((m, p).f(), columns.iter().flatten().map(|v| v.hi).collect())
        .map_err(internal)?;
    let x_lo = columns
        .iter()
        .flatten()
        .any(|v| v.lo != 0.0)
        .then(|| {
            Array2::from_shape_vec((m, p).f(), columns.iter().flatten().map(|v| v.lo).collect())
        })
        .transpose()
        .map_err(internal)?;
    let yv = &evaluated_dd[0];
    let y = Array1::from_iter(rows.iter().map(|&i| yv[i].hi));
    let y_lo = rows
        .iter()
        .any(|&i| yv[i].lo != 0.0)
        .then(|| Array1::from_iter(rows.iter().map(|&i| yv[i].lo)));
    Ok(ModelFrame {
        design: Design {
            x,
            y,
            names,
            y_name: formula.response_name(),
            intercept: formula.intercept,
            x_lo,
            y_lo,
        },
        rows,
        dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(f: &str) -> Vec<String> {
        let f = Formula::parse(f).unwrap();
        f.terms
            .iter()
            .map(|t| {
                t.factors
                    .iter()
                    .map(Factor::key)
                    .collect::<Vec<_>>()
                    .join(":")
            })
            .collect()
    }

    #[test]
    fn star_expands_and_orders_by_degree() {
        assert_eq!(names("y ~ a*b + c"), ["a", "b", "c", "a:b"]);
        assert_eq!(names("y ~ a*b*c").len(), 7);
    }

    #[test]
    fn i_terms_are_named_like_statsmodels() {
        assert_eq!(names("y ~ x + I(x^2)"), ["x", "I(x ** 2)"]);
        assert_eq!(names("y ~ I((a + b) / 2)"), ["I((a + b) / 2)"]);
        assert_eq!(names("y ~ log(x)"), ["log(x)"]);
    }

    #[test]
    fn categorical_without_intercept_is_full_rank_as_in_patsy() {
        let df = polars::df!("y" => [1.0, 2.0, 3.0, 5.0], "g" => ["a", "b", "a", "b"]).unwrap();
        let f = Formula::parse("y ~ C(g) - 1").unwrap();
        let m = model_frame(&f, &df, "t").unwrap();
        assert_eq!(m.design.names, ["C(g)[a]", "C(g)[b]"]);
        // A single level keeps its dummy (the mean of y).
        let one = polars::df!("y" => [1.0, 2.0], "g" => ["b", "b"], "x" => [1.0, 3.0]).unwrap();
        let m = model_frame(&f, &one, "t").unwrap();
        assert_eq!(m.design.names, ["C(g)[b]"]);
        // No column at all: said as such (it used to be an internal error).
        let f = Formula::parse("y ~ C(g):x - 1").unwrap();
        let e = model_frame(&f, &one, "t").unwrap_err().to_string();
        assert!(e.contains("no regressor"), "{e}");
    }

    #[test]
    fn intercept_removal() {
        assert!(!Formula::parse("y ~ x - 1").unwrap().intercept);
        assert!(!Formula::parse("y ~ x + 0").unwrap().intercept);
        assert!(Formula::parse("y ~ x").unwrap().intercept);
    }

    #[test]
    fn errors_name_the_problem() {
        let e = Formula::parse("y ~ foo(x)").unwrap_err().to_string();
        assert!(e.contains("unknown function 'foo'"), "{e}");
        let e = Formula::parse("y x").unwrap_err().to_string();
        assert!(e.contains("no '~'"), "{e}");
        let e = Formula::parse("y ~ x +").unwrap_err().to_string();
        assert!(e.contains("expected a term"), "{e}");
    }
}
