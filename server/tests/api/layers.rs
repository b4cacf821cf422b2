//! The shape of the code, checked: each layer of `server/src` and `app/src` names only the
//! layers below it (and, where a layer's modules may use each other, without a circle), every
//! module belongs to a layer, and the engine does no I/O. A new module fails here until it is
//! given its place; an import against the flow fails with the file and line.
//!
//! server: foundations → db → facts → use cases → the storage port → http → the command line; SQL only in `db/`
//! and in the two bulk writers (`import/`, `demo/`), which load whole tables in one transaction
//! app:    wire → shared pieces (labels, charts, components) → the server functions and their port
//!         (api) → pages and the lab → the shell

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The server's layers, lowest first; `true` where the modules of one layer may use each other.
const SERVER: &[(&str, bool, &[&str])] = &[
    (
        "foundations",
        false,
        &[
            "time",
            "error",
            "spreadsheet",
            "url",
            "client",
            "passwords",
            "config",
        ],
    ),
    ("db", false, &["db"]),
    ("facts", false, &["facts", "calendar"]),
    (
        "use cases",
        true,
        &[
            "accounts",
            "gaps",
            "kpis",
            "visits",
            "complaints",
            "reports",
            "self_service",
            "drafts",
            "publish",
            "snapshot",
            "import",
            "demo",
        ],
    ),
    ("storage port", false, &["store"]),
    (
        "http",
        true,
        &["http", "auth", "portal_forms", "state", "web"],
    ),
    ("command line", false, &["cli"]),
];

const APP: &[(&str, bool, &[&str])] = &[
    ("wire", false, &["wire", "i18n", "engine"]),
    (
        "shared",
        true,
        &["labels", "chart", "components", "why", "outbox"],
    ),
    ("api", false, &["api"]),
    ("pages", true, &["pages", "lab"]),
    ("shell", false, &["app"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate module a file belongs to: `facts/kept.rs` → `facts`; `None` for the crate root.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (!matches!(name.as_str(), "lib" | "main")).then_some(name)
}

/// Every `crate::name` a file's code (not its comments) mentions, with its line.
fn names(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let tail = &rest[at + "crate::".len()..];
            let name: String = tail
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::{a, b}` lists are spelled out one by one.
            if name.is_empty() && tail.starts_with('{') {
                let list = tail[1..].split('}').next().unwrap_or("");
                for part in list.split(',') {
                    let n: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !n.is_empty() {
                        out.push((i + 1, n));
                    }
                }
            } else if !name.is_empty() {
                out.push((i + 1, name));
            }
            rest = tail;
        }
    }
    out
}

/// The problems of one crate against its layers, as `file:line: …` lines.
fn check(root: &Path, layers: &[(&str, bool, &[&str])]) -> Vec<String> {
    let src = root.join("src");
    let rank: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(r, (_, _, mods))| mods.iter().map(move |m| (*m, r)))
        .collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut same_layer: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let shown = file.strip_prefix(root.parent().unwrap()).unwrap().display();
        let Some(&r) = rank.get(module.as_str()) else {
            problems.push(format!("{shown}: module `{module}` belongs to no layer"));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (line, name) in names(&text) {
            if name == module {
                continue;
            }
            let Some(&to) = rank.get(name.as_str()) else {
                continue; // an item of the crate root, or a module of another crate's `crate::`
            };
            let (layer, mutual, _) = layers[r];
            if to > r || (to == r && !mutual) {
                problems.push(format!(
                    "{shown}:{line}: `{module}` ({layer}) names `crate::{name}` ({})",
                    layers[to].0
                ));
            } else if to == r {
                same_layer.entry(module.clone()).or_default().insert(name);
            }
        }
    }
    // No circle among the modules of one layer.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        out: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|p| p == m) {
            out.push(format!("import circle: {} → {m}", path[at..].join(" → ")));
            return;
        }
        if !done.insert(m.to_string()) {
            return;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            visit(next, graph, path, done, out);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for m in same_layer.keys() {
        visit(m, &same_layer, &mut Vec::new(), &mut done, &mut problems);
    }
    problems
}

/// The modules that may write SQL: the storage layer, and the bulk writers (an import's and the
/// demo's rows, thousands to a statement, in the transaction that replaces them).
const SQL_HOMES: &[&str] = &["db", "import", "demo"];

/// What only code that talks SQL names.
const SQL_MARKS: &[&str] = &[
    "sqlx::query",
    "query_as(",
    "query_as::<",
    "query_scalar(",
    "query_scalar::<",
    "QueryBuilder",
    "raw_sql",
    "AssertSqlSafe",
];

/// Every place outside [`SQL_HOMES`] that talks SQL, as `file:line: mark`.
fn sql_outside_db(root: &Path) -> Vec<String> {
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in files {
        if module_of(&src, &file).is_some_and(|m| SQL_HOMES.contains(&m.as_str())) {
            continue;
        }
        let shown = file.strip_prefix(root.parent().unwrap()).unwrap().display();
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if let Some(mark) = SQL_MARKS.iter().find(|m| code.contains(*m)) {
                problems.push(format!("{shown}:{}: SQL outside db/ ({mark})", i + 1));
            }
        }
    }
    problems
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn the_server_names_only_the_layers_below() {
    let problems = check(&workspace().join("server"), SERVER);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn only_the_storage_layer_and_the_bulk_writers_talk_sql() {
    let problems = sql_outside_db(&workspace().join("server"));
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_app_names_only_the_layers_below() {
    let problems = check(&workspace().join("app"), APP);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_engine_does_no_io_and_reads_no_clock() {
    let root = workspace().join("app/engine");
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for banned in [
                "std::fs",
                "std::net",
                "std::env",
                "SystemTime",
                "Instant::now",
                "leptos",
                "sqlx",
                "tokio",
                "rand::",
            ] {
                if code.contains(banned) {
                    problems.push(format!("{}:{}: {banned}", file.display(), i + 1));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn the_layer_check_sees_an_import_against_the_flow_and_a_module_without_a_layer() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("server");
    std::fs::create_dir_all(root.join("src/db")).unwrap();
    std::fs::write(root.join("src/lib.rs"), "pub mod db;\npub mod web;\n").unwrap();
    let db =
        "use crate::time::now;\n// crate::web in a comment is fine\nuse crate::{error, web};\n";
    std::fs::write(root.join("src/db/mod.rs"), db).unwrap();
    let web =
        "use crate::db;\nasync fn f(p: &sqlx::SqlitePool) { sqlx::query(\"DELETE FROM x\"); }\n";
    std::fs::write(root.join("src/web.rs"), web).unwrap();
    std::fs::write(
        root.join("src/db/users.rs"),
        "fn f() { sqlx::query_as(\"\"); }\n",
    )
    .unwrap();
    std::fs::write(root.join("src/stray.rs"), "").unwrap();
    assert_eq!(
        check(&root, SERVER),
        [
            "server/src/db/mod.rs:3: `db` (db) names `crate::web` (http)",
            "server/src/stray.rs: module `stray` belongs to no layer",
        ]
    );
    assert_eq!(
        sql_outside_db(&root),
        ["server/src/web.rs:2: SQL outside db/ (sqlx::query)"]
    );
}
