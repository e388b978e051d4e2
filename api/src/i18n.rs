//! Chinese for Chinese bureaus: error messages in the language the client asks for
//! (`Accept-Language`), and a label in each language for every enum value, readable through
//! the API (`enumLabels`) so frontends do not hard-code them.
//!
//! English is the source. The zh-CN catalogue (`api/i18n/zh-CN.toml`) holds a label per error
//! code and enum value, and each message template as the code writes it (`{}` and `{name}` for
//! the parts that vary) with its translation. A message is translated by the template it
//! matches, its varying parts carried over; a message no template matches (the rarer of
//! async-graphql's own validation and parse messages) is prefixed with its code's label. Messages are localised in the
//! request pipeline for every GraphQL transport, and at the edge for errors answered before
//! it, so the language holds on every path.

use async_graphql::{Enum, Object, SimpleObject};
use regex::Regex;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A language of the API.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Locale {
    /// English, the default.
    #[default]
    En,
    /// Simplified Chinese (zh-CN).
    ZhCn,
}

impl Locale {
    /// The language an `Accept-Language` header prefers, of those the API speaks (English
    /// without one, or when neither is asked for).
    pub fn negotiate(header: Option<&str>) -> Locale {
        let Some(header) = header else {
            return Locale::En;
        };
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let locale = if tag == "zh" || tag.starts_with("zh-") {
                Locale::ZhCn
            } else if tag == "en" || tag.starts_with("en-") {
                Locale::En
            } else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, locale));
            }
        }
        best.map_or(Locale::En, |(_, l)| l)
    }
}

#[derive(Deserialize)]
struct File {
    codes: HashMap<String, String>,
    enums: HashMap<String, HashMap<String, String>>,
    messages: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    en: String,
    zh: String,
}

/// One placeholder of a template: by name (`{field}`) or by position (`{}`).
#[derive(Debug, Clone, PartialEq)]
enum Slot {
    Named(String),
    Positional,
}

struct Template {
    pattern: Regex,
    slots: Vec<Slot>,
    zh: String,
    /// How much of the template is fixed text: the more, the more specific.
    fixed: usize,
}

/// The zh-CN catalogue.
pub struct Catalogue {
    codes: HashMap<String, String>,
    enums: HashMap<String, HashMap<String, String>>,
    templates: Vec<Template>,
    /// The English templates as written, for the test that every message has one.
    pub english: Vec<String>,
}

static ZH_CN: LazyLock<Catalogue> = LazyLock::new(|| {
    Catalogue::parse(include_str!("../i18n/zh-CN.toml")).expect("api/i18n/zh-CN.toml is valid")
});

/// The placeholders of a template and the fixed text between them.
fn split(template: &str) -> (Vec<String>, Vec<Slot>) {
    let mut fixed = vec![String::new()];
    let mut slots = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        if let Some(last) = fixed.last_mut() {
            last.push_str(&rest[..open]);
        }
        let name = rest[open + 1..open + close].split(':').next().unwrap_or("");
        slots.push(if name.is_empty() {
            Slot::Positional
        } else {
            Slot::Named(name.to_owned())
        });
        fixed.push(String::new());
        rest = &rest[open + close + 1..];
    }
    if let Some(last) = fixed.last_mut() {
        last.push_str(rest);
    }
    (fixed, slots)
}

impl Catalogue {
    fn parse(text: &str) -> anyhow::Result<Self> {
        let file: File = toml::from_str(text)?;
        let mut templates = Vec::new();
        let mut english = Vec::new();
        for e in file.messages {
            let (fixed, slots) = split(&e.en);
            let pattern = fixed
                .iter()
                .map(|f| regex::escape(f))
                .collect::<Vec<_>>()
                .join("(.*?)");
            templates.push(Template {
                pattern: Regex::new(&format!("^{pattern}$"))?,
                fixed: fixed.iter().map(String::len).sum(),
                slots,
                zh: e.zh,
            });
            english.push(e.en);
        }
        templates.sort_by_key(|t| std::cmp::Reverse(t.fixed));
        Ok(Catalogue {
            codes: file.codes,
            enums: file.enums,
            templates,
            english,
        })
    }

    /// The zh-CN text of an English message, if a template matches it.
    fn translate(&self, message: &str) -> Option<String> {
        self.templates.iter().find_map(|t| {
            let caps = t.pattern.captures(message)?;
            let values: Vec<&str> = (1..caps.len())
                .map(|i| caps.get(i).map_or("", |m| m.as_str()))
                .collect();
            // A part may itself be a message (async-graphql's "Did you mean …?"); each part is
            // shorter than the message, so this ends.
            let values: Vec<String> = values
                .iter()
                .map(|v| self.translate(v).unwrap_or_else(|| self.term(v).to_owned()))
                .collect();
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            Some(fill(&t.zh, &t.slots, &values))
        })
    }

    /// A varying part as a person reads it: an enum value (`DRAFT`) by its label, preferring
    /// the pilot's status and actions, where a message names one; anything else as it is.
    fn term<'a>(&'a self, value: &'a str) -> &'a str {
        const FIRST: [&str; 3] = ["PilotStatus", "WorkflowAction", "PilotType"];
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
            return value;
        }
        let mut types: Vec<&String> = self.enums.keys().collect();
        types.sort_by_key(|t| (FIRST.iter().position(|f| f == t).unwrap_or(FIRST.len()), *t));
        types
            .into_iter()
            .find_map(|t| self.enums[t].get(value))
            .map_or(value, String::as_str)
    }
}

/// Writes `zh` with the parts of the English message: `{name}` by name, `{N}` by position
/// among all placeholders, `{}` by order among the English `{}`s.
fn fill(zh: &str, slots: &[Slot], values: &[&str]) -> String {
    let positional: Vec<&str> = slots
        .iter()
        .zip(values)
        .filter(|(s, _)| **s == Slot::Positional)
        .map(|(_, v)| *v)
        .collect();
    let mut next = positional.iter();
    let (fixed, zh_slots) = split(zh);
    let mut out = String::new();
    for (i, text) in fixed.iter().enumerate() {
        out.push_str(text);
        let Some(slot) = zh_slots.get(i) else {
            continue;
        };
        let value = match slot {
            Slot::Positional => next.next().copied(),
            Slot::Named(n) => match n.parse::<usize>() {
                Ok(index) => values.get(index).copied(),
                Err(_) => slots
                    .iter()
                    .position(|s| *s == Slot::Named(n.clone()))
                    .and_then(|i| values.get(i).copied()),
            },
        };
        out.push_str(value.unwrap_or(""));
    }
    out
}

/// The zh-CN catalogue (parsed once).
pub fn catalogue() -> &'static Catalogue {
    &ZH_CN
}

/// An error message in `locale`. `field` is a `BAD_USER_INPUT`'s field, which leads its
/// message (`first: at most 100`) and stays as the API names it.
pub fn message(locale: Locale, code: &str, field: Option<&str>, message: &str) -> String {
    if locale == Locale::En {
        return message.to_owned();
    }
    let zh = catalogue();
    let (lead, rest) = match field.and_then(|f| message.strip_prefix(&format!("{f}: "))) {
        Some(rest) => (field.map(|f| format!("{f}：")), rest),
        None => (None, message),
    };
    let body = zh.translate(rest).unwrap_or_else(|| {
        let label = zh.codes.get(code).map_or("错误", String::as_str);
        format!("{label}：{rest}")
    });
    format!("{}{body}", lead.unwrap_or_default())
}

/// Rewrites the messages of GraphQL errors in `locale`.
pub fn localize(locale: Locale, errors: &mut [async_graphql::ServerError]) {
    if locale == Locale::En {
        return;
    }
    for e in errors {
        let text = |key: &str| {
            e.extensions.as_ref().and_then(|x| match x.get(key) {
                Some(async_graphql::Value::String(s)) => Some(s.clone()),
                _ => None,
            })
        };
        let (code, field) = (text("code").unwrap_or_default(), text("field"));
        e.message = message(locale, &code, field.as_deref(), &e.message);
    }
}

/// "COUNTY_ENDORSED" as English words: "County endorsed".
fn words(value: &str) -> String {
    let lower = value.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// One enum value's label.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct EnumLabel {
    /// The enum type, e.g. `PilotStatus`.
    pub r#type: String,
    /// The value as the API writes it, e.g. `COUNTY_ENDORSED`.
    pub value: String,
    /// What to show a person, e.g. `县级已审核`.
    pub label: String,
}

/// The labels of every enum value the catalogue knows, in `locale`, of `types` (all without).
pub fn labels(locale: Locale, types: Option<&[String]>) -> Vec<EnumLabel> {
    let mut out: Vec<EnumLabel> = catalogue()
        .enums
        .iter()
        .filter(|(t, _)| types.is_none_or(|wanted| wanted.iter().any(|w| w == *t)))
        .flat_map(|(t, values)| {
            values.iter().map(move |(value, zh)| EnumLabel {
                r#type: t.clone(),
                value: value.clone(),
                label: match locale {
                    Locale::ZhCn => zh.clone(),
                    Locale::En => words(value),
                },
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.r#type, &a.value).cmp(&(&b.r#type, &b.value)));
    out
}

/// The labels query.
#[derive(Default)]
pub struct LabelQuery;

#[Object]
impl LabelQuery {
    /// Labels for enum values, to show people instead of the values: in `locale` (Chinese by
    /// default), of the enum types named (all without). Naming a type the API does not have
    /// is `BAD_USER_INPUT`.
    async fn enum_labels(
        &self,
        #[graphql(default_with = "Locale::ZhCn")] locale: Locale,
        types: Option<Vec<String>>,
    ) -> async_graphql::Result<Vec<EnumLabel>> {
        if let Some(unknown) = types
            .iter()
            .flatten()
            .find(|t| !catalogue().enums.contains_key(t.as_str()))
        {
            return Err(crate::error::ApiError::bad_input(
                "types",
                format!("no enum type `{unknown}`"),
            )
            .into());
        }
        Ok(labels(locale, types.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_s_preferred_language_is_chosen() {
        assert_eq!(Locale::negotiate(None), Locale::En);
        assert_eq!(
            Locale::negotiate(Some("zh-CN,zh;q=0.9,en;q=0.8")),
            Locale::ZhCn
        );
        assert_eq!(Locale::negotiate(Some("en-US,zh;q=0.5")), Locale::En);
        assert_eq!(Locale::negotiate(Some("fr, zh-Hans;q=0.4")), Locale::ZhCn);
        assert_eq!(Locale::negotiate(Some("de")), Locale::En);
        assert_eq!(Locale::negotiate(Some("zh;q=0")), Locale::En);
    }

    #[test]
    fn messages_are_translated_with_their_parts() {
        let zh = |code, field, m| message(Locale::ZhCn, code, field, m);
        assert_eq!(zh("NOT_FOUND", None, "pilot not found"), "未找到试点");
        assert_eq!(
            zh("BAD_USER_INPUT", Some("first"), "first: at most 100"),
            "first：最多 100"
        );
        assert_eq!(
            zh(
                "CONFLICT",
                None,
                "the pilot changed since you read it (version 3 is now 4)"
            ),
            "试点在您读取后已被修改（版本 3 现为 4）"
        );
        assert_eq!(
            zh(
                "INVALID_TRANSITION",
                None,
                "ENDORSE is not possible for this pilot in DRAFT"
            ),
            "该试点在草稿状态下不能县级审核通过"
        );
        assert_eq!(
            zh(
                "BAD_USER_INPUT",
                Some("name"),
                "name: at most 200 characters"
            ),
            "name：最多 200 个字符"
        );
        assert_eq!(
            zh(
                "BAD_USER_INPUT",
                None,
                "Unknown field \"nope\" on type \"Query\"."
            ),
            "类型“Query”没有字段“nope”。"
        );
        assert_eq!(
            zh("BAD_USER_INPUT", None, "Parse error at 1:3"),
            "输入有误：Parse error at 1:3",
            "a message no template matches keeps its words behind its code's label"
        );
        assert_eq!(
            message(Locale::En, "NOT_FOUND", None, "pilot not found"),
            "pilot not found"
        );
    }

    #[test]
    fn labels_exist_in_both_languages() {
        let zh = labels(Locale::ZhCn, Some(&["PilotStatus".to_owned()]));
        let endorsed = zh
            .iter()
            .find(|l| l.value == "COUNTY_ENDORSED")
            .expect("a label");
        assert_eq!(endorsed.label, "县级已审核");
        let en = labels(Locale::En, Some(&["PilotStatus".to_owned()]));
        assert_eq!(en.len(), zh.len());
        assert!(en.iter().any(|l| l.label == "County endorsed"));
    }
}
