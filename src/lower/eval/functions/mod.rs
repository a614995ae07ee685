//! The functions Nomad's HCL2 parser offers (`jobspec2/functions.go`), with cty's semantics.

mod collection;
mod crypto;
mod encoding;
mod fs;
mod net;
mod numeric;
mod string;
mod time;

use hcl_edit::expr::{Expression, FuncCall};

use super::super::types::Type;
use crate::diagnostic::{Code, Diagnostic};
use crate::lower::{Lowerer, span_of};
use crate::model::{Map, Number, Value};
use crate::span::{Span, Spanned};

/// Why a function call failed: an argument (by index) or the call as a whole.
pub(super) enum Error {
    Arg(usize, String),
    Call(String),
}

type Result<T, E = Error> = std::result::Result<T, E>;

/// A function call's evaluated arguments.
pub(super) struct Args<'c, 's> {
    pub(super) cx: &'c mut Lowerer<'s>,
    pub(super) values: Vec<Spanned<Value>>,
    pub(super) span: Span,
}

impl Args<'_, '_> {
    fn len(&self) -> usize {
        self.values.len()
    }

    fn value(&self, i: usize) -> &Value {
        &self.values[i].inner
    }

    fn take(&mut self, i: usize) -> Value {
        std::mem::take(&mut self.values[i].inner)
    }

    fn string(&self, i: usize) -> Result<String> {
        match self.value(i) {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(Error::Arg(
                i,
                format!("expected a string, found {}", other.type_name()),
            )),
        }
    }

    fn number(&self, i: usize) -> Result<Number> {
        let n = match self.value(i) {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse::<f64>().ok().map(Number::from_f64),
            _ => None,
        };
        n.ok_or_else(|| {
            Error::Arg(
                i,
                format!("expected a number, found {}", self.value(i).type_name()),
            )
        })
    }

    fn int(&self, i: usize) -> Result<i64> {
        let n = self.number(i)?;
        n.as_i64()
            .ok_or_else(|| Error::Arg(i, format!("expected a whole number, found {n}")))
    }

    fn list(&mut self, i: usize) -> Result<Vec<Spanned<Value>>> {
        match self.take(i) {
            Value::List(items) => Ok(items),
            other => Err(Error::Arg(
                i,
                format!("expected a list, found {}", other.type_name()),
            )),
        }
    }

    fn map(&mut self, i: usize) -> Result<Map<Value>> {
        match self.take(i) {
            Value::Object(map) => Ok(map),
            other => Err(Error::Arg(
                i,
                format!("expected a map, found {}", other.type_name()),
            )),
        }
    }

    /// The strings of list argument `i`.
    fn strings(&mut self, i: usize) -> Result<Vec<String>> {
        self.list(i)?
            .into_iter()
            .map(|v| match v.inner {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                Value::Bool(b) => Ok(b.to_string()),
                other => Err(Error::Arg(
                    i,
                    format!(
                        "expected a list of strings, found {} in it",
                        other.type_name()
                    ),
                )),
            })
            .collect()
    }

    /// Reports a result that would be `size` bytes, over the string limit; always an error
    /// (already reported).
    fn too_long<T>(&mut self, size: usize) -> Result<T> {
        let max = self.cx.limits.max_string;
        self.cx.too_large(self.span, size, max, "bytes");
        Err(Error::Call(String::new()))
    }

    /// Reports a result that would have `count` elements, over the collection limit; always
    /// an error (already reported).
    fn too_many<T>(&mut self, count: usize) -> Result<T> {
        let max = self.cx.limits.max_collection;
        self.cx.too_large(self.span, count, max, "elements");
        Err(Error::Call(String::new()))
    }

    /// Checks a value built by the function against the evaluation limits.
    fn sized(&mut self, value: Value) -> Result<Value> {
        if self.cx.check_size(self.span, &value) {
            Ok(value)
        } else {
            Err(Error::Call(String::new()))
        }
    }
}

fn list(items: impl IntoIterator<Item = Value>) -> Value {
    Value::List(items.into_iter().map(Spanned::bare).collect())
}

fn string(s: impl Into<String>) -> Value {
    Value::String(s.into())
}

fn int(i: i64) -> Value {
    Value::Number(Number::Int(i))
}

/// A function: its name, argument counts (`max` `None` for variadic) and body.
struct Function {
    name: &'static str,
    min: usize,
    max: Option<usize>,
    body: fn(&mut Args<'_, '_>) -> Result<Value>,
}

const fn f(
    name: &'static str,
    min: usize,
    max: Option<usize>,
    body: fn(&mut Args<'_, '_>) -> Result<Value>,
) -> Function {
    Function {
        name,
        min,
        max,
        body,
    }
}

/// Every function by name, sorted. `can`, `try` and `convert` are special forms (their
/// arguments are not plain values) and are handled in [`Lowerer::call`].
const FUNCTIONS: &[Function] = &[
    f("abs", 1, Some(1), numeric::abs),
    f("abspath", 1, Some(1), fs::abspath),
    f("base64decode", 1, Some(1), encoding::base64decode),
    f("base64encode", 1, Some(1), encoding::base64encode),
    f("basename", 1, Some(1), fs::basename),
    f("bcrypt", 1, Some(2), crypto::bcrypt),
    f("ceil", 1, Some(1), numeric::ceil),
    f("chomp", 1, Some(1), string::chomp),
    f("chunklist", 2, Some(2), collection::chunklist),
    f("cidrhost", 2, Some(2), net::cidrhost),
    f("cidrnetmask", 1, Some(1), net::cidrnetmask),
    f("cidrsubnet", 3, Some(3), net::cidrsubnet),
    f("cidrsubnets", 1, None, net::cidrsubnets),
    f("coalesce", 1, None, collection::coalesce),
    f("coalescelist", 1, None, collection::coalescelist),
    f("compact", 1, Some(1), collection::compact),
    f("concat", 0, None, collection::concat),
    f("contains", 2, Some(2), collection::contains),
    f("csvdecode", 1, Some(1), encoding::csvdecode),
    f("dirname", 1, Some(1), fs::dirname),
    f("distinct", 1, Some(1), collection::distinct),
    f("element", 2, Some(2), collection::element),
    f("file", 1, Some(1), fs::file),
    f("filebase64", 1, Some(1), fs::filebase64),
    f("fileexists", 1, Some(1), fs::fileexists),
    f("fileset", 2, Some(2), fs::fileset),
    f("flatten", 1, Some(1), collection::flatten),
    f("floor", 1, Some(1), numeric::floor),
    f("format", 1, None, string::format),
    f("formatdate", 2, Some(2), time::formatdate),
    f("formatlist", 1, None, string::formatlist),
    f("indent", 2, Some(2), string::indent),
    f("index", 2, Some(2), collection::index),
    f("join", 1, None, string::join),
    f("jsondecode", 1, Some(1), encoding::jsondecode),
    f("jsonencode", 1, Some(1), encoding::jsonencode),
    f("keys", 1, Some(1), collection::keys),
    f("length", 1, Some(1), collection::length),
    f("log", 2, Some(2), numeric::log),
    f("lookup", 2, Some(3), collection::lookup),
    f("lower", 1, Some(1), string::lower),
    f("max", 1, None, numeric::max),
    f("md5", 1, Some(1), crypto::md5),
    f("merge", 0, None, collection::merge),
    f("min", 1, None, numeric::min),
    f("parseint", 2, Some(2), numeric::parseint),
    f("pathexpand", 1, Some(1), fs::pathexpand),
    f("pow", 2, Some(2), numeric::pow),
    f("range", 1, Some(3), collection::range),
    f("regex_replace", 3, Some(3), string::regex_replace),
    f("replace", 3, Some(3), string::replace),
    f("reverse", 1, Some(1), collection::reverse),
    f("rsadecrypt", 2, Some(2), crypto::rsadecrypt),
    f("setintersection", 1, None, collection::setintersection),
    f("setproduct", 1, None, collection::setproduct),
    f("setunion", 1, None, collection::setunion),
    f("sha1", 1, Some(1), crypto::sha1),
    f("sha256", 1, Some(1), crypto::sha256),
    f("sha512", 1, Some(1), crypto::sha512),
    f("signum", 1, Some(1), numeric::signum),
    f("slice", 3, Some(3), collection::slice),
    f("sort", 1, Some(1), collection::sort),
    f("split", 2, Some(2), string::split),
    f("strlen", 1, Some(1), string::strlen),
    f("strrev", 1, Some(1), string::strrev),
    f("substr", 3, Some(3), string::substr),
    f("timeadd", 2, Some(2), time::timeadd),
    f("title", 1, Some(1), string::title),
    f("trim", 2, Some(2), string::trim),
    f("trimprefix", 2, Some(2), string::trimprefix),
    f("trimspace", 1, Some(1), string::trimspace),
    f("trimsuffix", 2, Some(2), string::trimsuffix),
    f("upper", 1, Some(1), string::upper),
    f("urlencode", 1, Some(1), encoding::urlencode),
    f("uuidv4", 0, Some(0), crypto::uuidv4),
    f("uuidv5", 2, Some(2), crypto::uuidv5),
    f("values", 1, Some(1), collection::values),
    f("yamldecode", 1, Some(1), encoding::yamldecode),
    f("yamlencode", 1, Some(1), encoding::yamlencode),
    f("zipmap", 2, Some(2), collection::zipmap),
];

/// The special forms, for "did you mean".
const SPECIAL: &[&str] = &["can", "convert", "try"];

/// The names of every function, for docs and tests.
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS
        .iter()
        .map(|f| f.name)
        .chain(SPECIAL.iter().copied())
}

impl Lowerer<'_> {
    /// Evaluates a function call.
    pub(in crate::lower) fn call(&mut self, call: &FuncCall, span: Span) -> Option<Spanned<Value>> {
        let name = call.name.name.as_str();
        let name_span = span_of(&call.name.name);
        if !call.name.namespace.is_empty() || self.scope.literal_only {
            let message = if self.scope.literal_only {
                "function calls are not allowed here"
            } else {
                "provider functions (`ns::name`) are not available in jobspecs"
            };
            self.push(
                Diagnostic::new(Code::UnknownFunction, name_span, message)
                    .with_label("not callable here")
                    .with_help(if self.scope.literal_only {
                        "variable defaults and var files hold literal values only"
                    } else {
                        "call one of Nomad's built-in functions"
                    }),
            );
            return None;
        }
        let args: Vec<&Expression> = call.args.iter().collect();
        match name {
            "can" | "try" => return self.try_forms(name, &args, span, name_span),
            "convert" => {
                if args.len() != 2 {
                    return self.arity(name, 2, Some(2), args.len(), span);
                }
                let ty = Type::from_expr(self, args[1])?;
                let value = self.eval(args[0])?;
                return match ty.convert(value.inner) {
                    Ok(v) => Some(Spanned::new(v, span)),
                    Err(e) => {
                        self.function_error(name, span_of(args[0]), e);
                        None
                    }
                };
            }
            _ => {}
        }
        let Ok(i) = FUNCTIONS.binary_search_by(|f| f.name.cmp(name)) else {
            let help = match self.suggester.closest(name, names()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "see docs/hcl2.md for the functions jobspecs can call".to_owned(),
            };
            self.push(
                Diagnostic::new(
                    Code::UnknownFunction,
                    name_span,
                    format!("there is no function named `{name}`"),
                )
                .with_label("unknown function")
                .with_help(help),
            );
            return None;
        };
        let function = &FUNCTIONS[i];
        let values: Vec<_> = args.iter().map(|arg| self.eval(arg)).collect();
        let mut values: Vec<Spanned<Value>> = values.into_iter().collect::<Option<_>>()?;
        if call.args.expand_final() {
            // `f(a, list...)`: the final list's elements are further arguments.
            let last = values.pop()?;
            match last.inner {
                Value::List(items) => values.extend(items),
                other => {
                    let help = "only a list expands into arguments with `...`".to_owned();
                    self.type_error(last.span, "a list", &other, help);
                    return None;
                }
            }
        }
        if values.len() < function.min || function.max.is_some_and(|max| values.len() > max) {
            return self.arity(name, function.min, function.max, values.len(), span);
        }
        let arg_spans: Vec<Span> = values.iter().map(|v| v.span).collect();
        let mut call_args = Args {
            cx: self,
            values,
            span,
        };
        match (function.body)(&mut call_args) {
            Ok(value) => {
                // The result is paid for like a copy: functions that build values (`file`,
                // `format`, `concat`) cannot fill memory faster than the budget allows.
                let cost = super::weight([&value], self.steps_left);
                if !self.check_size(span, &value) || !self.charge(span, cost) {
                    return None;
                }
                Some(Spanned::new(value, span))
            }
            // An empty message: the limit was already reported.
            Err(Error::Call(message)) if message.is_empty() => None,
            Err(Error::Call(message)) => {
                self.function_error(name, span, message);
                None
            }
            Err(Error::Arg(i, message)) => {
                let at = arg_spans.get(i).copied().unwrap_or(span);
                self.function_error(name, at, message);
                None
            }
        }
    }

    fn function_error(&mut self, name: &str, span: Span, message: String) {
        self.push(
            Diagnostic::new(Code::FunctionCall, span, format!("`{name}()`: {message}"))
                .with_label("invalid argument")
                .with_help(format!("see the `{name}` function in docs/hcl2.md")),
        );
    }

    fn arity<T>(
        &mut self,
        name: &str,
        min: usize,
        max: Option<usize>,
        got: usize,
        span: Span,
    ) -> Option<T> {
        let want = match max {
            Some(max) if max == min => format!("{min}"),
            Some(max) => format!("{min} to {max}"),
            None => format!("at least {min}"),
        };
        let plural = if want == "1" { "" } else { "s" };
        self.push(
            Diagnostic::new(
                Code::FunctionCall,
                span,
                format!("`{name}()` takes {want} argument{plural}, not {got}"),
            )
            .with_label("wrong number of arguments")
            .with_help(format!("see the `{name}` function in docs/hcl2.md")),
        );
        None
    }

    /// `can(expr)` is whether `expr` evaluates; `try(a, b, ...)` is the first that does.
    fn try_forms(
        &mut self,
        name: &str,
        args: &[&Expression],
        span: Span,
        name_span: Span,
    ) -> Option<Spanned<Value>> {
        let (min, max) = if name == "can" {
            (1, Some(1))
        } else {
            (1, None)
        };
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            return self.arity(name, min, max, args.len(), span);
        }
        for arg in args {
            let before = self.diagnostics.len();
            let result = self.eval(arg);
            // A spent budget is never swallowed.
            let spent = self.budget_reported;
            let failed = self.diagnostics.len() > before;
            if !spent {
                self.diagnostics.truncate(before);
            }
            match (name, result) {
                _ if spent => return None,
                ("can", Some(_)) if !failed => return Some(Spanned::new(Value::Bool(true), span)),
                ("can", _) => return Some(Spanned::new(Value::Bool(false), span)),
                (_, Some(v)) if !failed => return Some(Spanned::new(v.inner, span)),
                _ => {}
            }
        }
        self.push(
            Diagnostic::new(
                Code::FunctionCall,
                name_span,
                "`try()`: no argument evaluated without error",
            )
            .with_label("every alternative failed")
            .with_help("add a final alternative that always evaluates, such as a literal"),
        );
        None
    }
}
