//! The code's structure, checked: each module imports only from its own layer or those
//! below it, the clinical domain stays pure, and no source file outside the tests grows
//! past 800 lines. The layers, lowest first (the README's Development section draws them):
//!
//! | layer | modules | may use |
//! |---|---|---|
//! | 0 domain | `domain`, `site`, the generated `i18n` | nothing above |
//! | 1 errors | `error` | domain |
//! | 2 wire | `wire` — the data that crosses between pages, server functions and services | 0–1 |
//! | 3 services | `ssr` — storage, workflow, mail; run only on the server | 0–2 |
//! | 4 server functions | `accounts`, `oncall`, `referrals`, `workspace` | 0–3 |
//! | 5 components | `components` | 0–4 |
//! | 6 pages | `pages` | 0–5 |
//! | 7 application | `app` (routes and shell) | 0–6 |
//!
//! The server crate (`server/`) sits above all of them but does not reach into `pages` or
//! `components`: it serves the application, not its parts.
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;

/// The layer of a top-level module of the app crate (`crate::<name>`).
fn layer_of_module(name: &str) -> Option<u8> {
    Some(match name {
        "domain" | "site" | "i18n" | "island_hydrated" => 0,
        "error" => 1,
        "wire" => 2,
        "ssr" => 3,
        "accounts" | "oncall" | "referrals" | "workspace" => 4,
        "components" => 5,
        "pages" => 6,
        "app" => 7,
        _ => return None,
    })
}

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The top-level module a file of `app/src` belongs to (`None` for `lib.rs`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).expect("file under src");
    let first = relative.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_owned();
    (name != "lib").then_some(name)
}

/// Code without its comments: `//` to the end of a line (doc comments included), so that
/// a comment naming a module is not an import.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, line)| {
        let code = match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        };
        (i + 1, code)
    })
}

/// Every `<prefix><name>` in `code`, as `name`.
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        found.push(&rest[..end]);
    }
    found
}

fn is_test_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "tests.rs")
        || path.components().any(|c| c.as_os_str() == "tests")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the app crate lives in the workspace")
        .to_path_buf()
}

#[test]
fn every_module_imports_only_from_its_own_layer_or_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for file in sources(&src) {
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        let own = layer_of_module(&module)
            .unwrap_or_else(|| panic!("{} belongs to no layer: add it to the table", module));
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (line, code) in code_lines(&text) {
            for name in paths_after(code, "crate::") {
                match layer_of_module(name) {
                    Some(layer) if layer > own => wrong.push(format!(
                        "{}:{line}: layer {own} ({module}) uses crate::{name} (layer {layer})",
                        file.display()
                    )),
                    Some(_) => {}
                    None => wrong.push(format!(
                        "{}:{line}: crate::{name} belongs to no layer",
                        file.display()
                    )),
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_domain_is_pure() {
    let domain = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let mut wrong = Vec::new();
    for file in sources(&domain) {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (line, code) in code_lines(&text) {
            for framework in ["leptos", "sqlx", "axum", "tokio", "web_sys", "lettre"] {
                if !paths_after(code, &format!("{framework}::")).is_empty() {
                    wrong.push(format!("{}:{line}: uses {framework}", file.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the domain must not depend on frameworks:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_server_serves_the_application_not_its_pages() {
    let server = workspace_root().join("server/src");
    let mut wrong = Vec::new();
    for file in sources(&server) {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (line, code) in code_lines(&text) {
            for name in paths_after(code, "ecmo_referral_app::") {
                if matches!(name, "pages" | "components") {
                    wrong.push(format!("{}:{line}: uses {name}", file.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the server reaches into the UI:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_source_file_outside_the_tests_passes_800_lines() {
    let root = workspace_root();
    let mut long = Vec::new();
    for dir in ["app/src", "server/src"] {
        for file in sources(&root.join(dir)) {
            if is_test_file(&file) {
                continue;
            }
            let lines = std::fs::read_to_string(&file)
                .expect("readable source")
                .lines()
                .count();
            if lines > MAX_LINES {
                long.push(format!("{} has {lines} lines", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these by concern (at most {MAX_LINES} lines each):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_checks_find_what_they_look_for() {
    assert_eq!(
        paths_after("use crate::pages::x; crate::ssr::y", "crate::"),
        ["pages", "ssr"]
    );
    assert!(paths_after("ecmo_referral_app::pages::x", "crate::").is_empty());
    assert_eq!(layer_of_module("pages"), Some(6));
    assert!(layer_of_module("pages") > layer_of_module("ssr"));
    let lines: Vec<_> = code_lines("/// see crate::pages\nuse crate::domain;").collect();
    assert_eq!(paths_after(lines[0].1, "crate::"), Vec::<&str>::new());
    assert_eq!(paths_after(lines[1].1, "crate::"), ["domain"]);
}
