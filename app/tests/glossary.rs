//! Every text of the app in both languages holds to the glossary (`app/glossary.json`): one word
//! for one thing, and Chinese text with full-width colons and semicolons (ASCII commas only in CSV examples).

use serde_json::Value;

fn read(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every string of a locale file with its key path (`calendar.intro`).
fn strings(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((at.to_string(), s.clone())),
        Value::Object(m) => {
            for (k, v) in m {
                let key = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                strings(v, &key, out);
            }
        }
        _ => {}
    }
}

fn list(term: &Value, key: &str) -> Vec<String> {
    term[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The strings of `locale` that use a word the glossary says to avoid, with the word.
fn avoided(locale: &str) -> Vec<String> {
    let mut texts = Vec::new();
    strings(&read(&format!("locales/{locale}.json")), "", &mut texts);
    hits(&texts, locale)
}

/// Which of `texts` (key, text) use a word the glossary says `locale` avoids.
fn hits(texts: &[(String, String)], locale: &str) -> Vec<String> {
    let glossary = read("glossary.json");
    let mut found = Vec::new();
    for term in glossary["terms"].as_array().expect("terms") {
        let except = list(term, &format!("{locale}_except"));
        for word in list(term, &format!("{locale}_avoid")) {
            for (key, text) in texts {
                let mut t = text.clone();
                for e in &except {
                    t = t.replace(e.as_str(), "");
                }
                let hit = if locale == "en" {
                    t.to_lowercase().contains(&word.to_lowercase())
                } else {
                    t.contains(&word)
                };
                if hit {
                    found.push(format!(
                        "{key}: “{word}” in “{text}” (the glossary says {})",
                        term[locale]
                    ));
                }
            }
        }
    }
    found
}

fn chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

#[test]
fn chinese_texts_use_only_the_glossarys_words() {
    let found = avoided("zh");
    assert!(found.is_empty(), "\n{}", found.join("\n"));
}

#[test]
fn english_texts_use_only_the_glossarys_words() {
    let found = avoided("en");
    assert!(found.is_empty(), "\n{}", found.join("\n"));
}

#[test]
fn chinese_texts_use_full_width_colons_and_semicolons() {
    let mut texts = Vec::new();
    strings(&read("locales/zh.json"), "", &mut texts);
    let found: Vec<String> = texts
        .iter()
        .filter(|(_, t)| {
            let cs: Vec<char> = t.chars().collect();
            cs.windows(2)
                .any(|w| chinese(w[0]) && (w[1] == ':' || w[1] == ';'))
        })
        .map(|(k, t)| format!("{k}: “{t}”"))
        .collect();
    assert!(found.is_empty(), "\n{}", found.join("\n"));
}

#[test]
fn the_check_catches_an_avoided_word_but_not_the_same_characters_meaning_else() {
    let texts = |t: &str| vec![("k".to_string(), t.to_string())];
    assert_eq!(hits(&texts("已发布政策"), "zh").len(), 1);
    assert_eq!(hits(&texts("本月拜访 3 次"), "zh").len(), 1);
    assert!(
        hits(&texts("寻找方案"), "zh").is_empty(),
        "a solution, not a policy"
    );
    assert_eq!(hits(&texts("the Working Tier"), "en").len(), 1);
}
