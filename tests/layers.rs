//! The layers, checked from the code as it stands (ARCHITECTURE.md, "Layers"):
//!
//! 1. which crate may depend on which — read from each crate's `Cargo.toml`;
//! 2. inside each crate, no import circle between its top-level modules — read from the
//!    `crate::…` paths of their code outside tests;
//! 3. the store and the ground name no domain noun outside their tests;
//! 4. outside `access.rs`, no code of the domain or the exchange opens a store transaction
//!    (`Store::write`) without the access gate.
//!
//! `cargo test -p huka-tests --test layers` runs it; a failure names the circle, each arrow
//! with the file and line that makes it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Each crate of the workspace, lowest first, with the Huka crates it may depend on
/// (`[dependencies]`, any target; dev-dependencies are the tests' business).
const CRATES: &[(&str, &str, &[&str])] = &[
    ("huka-ground", "crates/huka-ground", &[]),
    ("huka-store", "crates/huka-store", &["huka-ground"]),
    ("huka-domain", "crates/huka-domain", &["huka-ground", "huka-store"]),
    ("huka-exchange", "crates/huka-exchange", &["huka-ground", "huka-store", "huka-domain"]),
    ("huka-core", "crates/huka-core", &["huka-domain", "huka-exchange"]),
    ("huka-cli", "crates/huka-cli", &["huka-core"]),
    ("huka-console", "crates/huka-console", &[]),
    ("huka-app", "src-tauri", &["huka-core", "huka-cli"]),
];

/// The Huka crates a `Cargo.toml` depends on outside its dev-dependencies.
fn huka_dependencies(manifest: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut in_dependencies = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line.ends_with("dependencies]") && !line.contains("dev-dependencies") && !line.contains("build-dependencies");
            continue;
        }
        if in_dependencies {
            let name = line.split(['=', '.', ' ']).next().unwrap_or("");
            if name.starts_with("huka-") {
                out.insert(name.to_string());
            }
        }
    }
    out
}

#[test]
fn each_crate_depends_only_on_the_layers_below_it() {
    let root = root();
    let mut wrong = Vec::new();
    for (name, dir, allowed) in CRATES {
        let manifest = std::fs::read_to_string(root.join(dir).join("Cargo.toml")).unwrap();
        assert!(manifest.contains(&format!("name = \"{name}\"")), "{dir} is {name}");
        for dep in huka_dependencies(&manifest) {
            if !allowed.contains(&dep.as_str()) {
                wrong.push(format!("{name} depends on {dep}; it may depend on {allowed:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Every crate of the workspace is in the list (a new one gets its place in the layers).
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members = workspace.split("members = [").nth(1).unwrap().split(']').next().unwrap();
    for member in members.split(',').map(|m| m.trim().trim_matches('"')).filter(|m| !m.is_empty() && *m != "tests") {
        assert!(CRATES.iter().any(|(_, dir, _)| dir == &member), "{member} has no place in CRATES");
    }
}

/// A source file's code outside its tests: a file of tests is nothing, and a module's own
/// `#[cfg(test)] mod tests { … }` (always last) is cut off.
fn code_outside_tests(relative: &Path, text: &str) -> Option<String> {
    let name = relative.file_name().unwrap().to_string_lossy();
    if name == "tests.rs" || name.ends_with("_tests.rs") || relative.components().any(|c| c.as_os_str() == "tests") {
        return None;
    }
    let mut code = text.to_string();
    for marker in ["#[cfg(test)]\nmod tests {", "#[cfg(test)]\npub(crate) mod tests {", "#[cfg(any(test, feature = \"testing\"))]\npub mod tests {"] {
        if let Some(at) = code.find(marker) {
            code.truncate(at);
        }
    }
    // Comments name modules without importing them.
    Some(code.lines().map(|l| l.split("//").next().unwrap()).collect::<Vec<_>>().join("\n"))
}

/// The names a piece of code takes after any of `prefixes`, each with its line:
/// `crate::a::b`, `use crate::{a, b::c}` (a prefix preceded by a name's character is part of a
/// longer path, and not counted).
fn paths_after(code: &str, prefixes: &[&str]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        for prefix in prefixes {
            let mut rest = line;
            while let Some(at) = rest.find(prefix) {
                let before = rest[..at].chars().last();
                let after = &rest[at + prefix.len()..];
                if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    if let Some(group) = after.strip_prefix('{') {
                        for item in group.split('}').next().unwrap().split(',') {
                            let first = item.trim().split("::").next().unwrap().trim();
                            if !first.is_empty() {
                                out.push((first.to_string(), n + 1));
                            }
                        }
                    } else {
                        let ident: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                        out.push((ident, n + 1));
                    }
                }
                rest = after;
            }
        }
    }
    out
}

/// The names a piece of code takes from `crate::…`.
fn crate_paths(code: &str) -> Vec<(String, usize)> {
    paths_after(code, &["crate::"])
}

/// Top-level module → (module it imports → the first place that does).
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn module_graph(src: &Path) -> Graph {
    let files = rust_files(src);
    let module_of = |relative: &Path| -> String {
        let first = relative.components().next().unwrap().as_os_str().to_string_lossy().to_string();
        first.trim_end_matches(".rs").to_string()
    };
    let modules: BTreeSet<String> =
        files.iter().map(|f| module_of(f.strip_prefix(src).unwrap())).filter(|m| m != "lib" && m != "main").collect();
    let mut graph: Graph = modules.iter().map(|m| (m.clone(), BTreeMap::new())).collect();
    for file in &files {
        let relative = file.strip_prefix(src).unwrap();
        let from = module_of(relative);
        if from == "lib" || from == "main" {
            continue;
        }
        let Some(code) = code_outside_tests(relative, &std::fs::read_to_string(file).unwrap()) else { continue };
        for (to, line) in crate_paths(&code) {
            if to != from && modules.contains(&to) {
                graph.get_mut(&from).unwrap().entry(to).or_insert_with(|| format!("{}:{line}", relative.display()));
            }
        }
    }
    graph
}

/// The circles of a graph (strongly connected parts of more than one module), Tarjan's way.
fn circles(graph: &Graph) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            for w in self.graph[v].keys() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut part = Vec::new();
                while let Some(w) = self.stack.pop() {
                    part.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if part.len() > 1 {
                    part.sort();
                    self.found.push(part);
                }
            }
        }
    }
    let mut walk = Walk { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn no_crate_has_an_import_circle_between_its_modules() {
    let root = root();
    let mut report = Vec::new();
    for (name, dir, _) in CRATES {
        let graph = module_graph(&root.join(dir).join("src"));
        report_circles(&graph, &format!("{name}: modules"), dir, &mut report);
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

/// The names a piece of code takes from its parent module (`super::x`, `use super::{x, y}`), and
/// from `crate::<folder>::x`: how the files of one folder module reach each other.
fn sibling_paths(code: &str, folder: &str) -> Vec<(String, usize)> {
    paths_after(code, &["super::", &format!("crate::{folder}::")])
}

/// Adds each circle of `graph` to `report`: what it is (`what`), then each arrow with its place.
fn report_circles(graph: &Graph, what: &str, dir: &str, report: &mut Vec<String>) {
    for circle in circles(graph) {
        report.push(format!("{what}: {} import each other in a circle:", circle.len()));
        for from in &circle {
            for (to, place) in &graph[from] {
                if circle.contains(to) {
                    report.push(format!("  {from} -> {to}   ({dir}/src/{place})"));
                }
            }
        }
    }
}

/// Inside each folder module (`sync/`, `import/` …), the files that are its submodules never
/// import each other in a circle either.
#[test]
fn no_folder_module_has_an_import_circle_between_its_files() {
    let root = root();
    let mut report = Vec::new();
    for (name, dir, _) in CRATES {
        let src = root.join(dir).join("src");
        let mut folders = vec![src.clone()];
        while let Some(folder) = folders.pop() {
            let mut files = Vec::new();
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
            if folder == src {
                continue; // the crate's own modules: the test above
            }
            let folder_name = folder.strip_prefix(&src).unwrap().to_string_lossy().replace('/', "::");
            let stem = |p: &Path| p.file_stem().unwrap().to_string_lossy().to_string();
            let siblings: BTreeSet<String> = files.iter().map(|f| stem(f)).filter(|s| s != "mod").collect();
            let mut graph: Graph = siblings.iter().map(|s| (s.clone(), BTreeMap::new())).collect();
            for file in &files {
                let from = stem(file);
                if from == "mod" {
                    continue;
                }
                let relative = file.strip_prefix(&src).unwrap();
                let Some(code) = code_outside_tests(relative, &std::fs::read_to_string(file).unwrap()) else { continue };
                for (to, line) in sibling_paths(&code, &folder_name) {
                    if to != from && siblings.contains(&to) {
                        graph.get_mut(&from).unwrap().entry(to).or_insert_with(|| format!("{}:{line}", relative.display()));
                    }
                }
            }
            report_circles(&graph, &format!("{name}: files of {folder_name}/"), dir, &mut report);
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

/// The check itself: a circle is found, and named with its arrows.
#[test]
fn a_circle_is_found() {
    let mut graph = Graph::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "")] {
        let entry = graph.entry(from.to_string()).or_default();
        if !to.is_empty() {
            entry.insert(to.to_string(), String::new());
        }
    }
    graph.entry("d".into()).or_default().clear();
    assert_eq!(circles(&graph), vec![vec!["a".to_string(), "b".into(), "c".into()]]);
    assert_eq!(
        crate_paths("use crate::{audit, store::Writer};\nlet x = crate::sync::clock::last(w);"),
        [("audit".to_string(), 1), ("store".into(), 1), ("sync".into(), 2)]
    );
    assert_eq!(
        sibling_paths("use super::set::{Head, RecordChange};\nuse super::{merge, seen};\nlet y = crate::sync::file::open(s);", "sync"),
        [("set".to_string(), 1), ("merge".into(), 2), ("seen".into(), 2), ("file".into(), 3)]
    );
}

/// Words of the school's records and of what crosses its edge, which the layers under the
/// domain — the store and the ground — never use outside their tests: the store's schema is the
/// domain's, handed to it when a store opens; the ground's errors are the domain's own types
/// (`DomainError`), its field problems the domain's `Rule`s, its record and field names the
/// domain's `labels`.
const DOMAIN_NOUNS: &[&str] = &[
    "household", "member", "student", "teacher", "visit", "pairing", "dropout", "grant", "registration", "programme", "school", "county",
    "bundle", "backup", "signing", "sync",
];

/// Rust's and SQLite's own words that contain a noun above without naming it; taken out of a
/// line (as written, case and all) before it is searched.
const NOT_NOUNS: &[&str] = &["Send + Sync", ": Sync", "sync_all", "std::sync", "synchronous"];

/// What the lower layers may still say, each with why: (file under the crate's `src/`, noun,
/// the text of the line that may hold it).
const ALLOWED: &[(&str, &str, &str)] = &[
    // Who acts — the roles every layer checks, and the teacher an account belongs to — sits in
    // the ground for now, beside the actor every write is stamped with.
    ("actor.rs", "teacher", ""),
    // The sentences of two generic refusals tell how a database comes to be (init, restoring a
    // backup, joining a school) and how a lost key file is made good: the words a user needs.
    ("error.rs", "school", "only init, restoring a backup or joining a school creates one"),
    ("error.rs", "backup", "only init, restoring a backup or joining a school creates one"),
    ("error.rs", "backup", "so it cannot be unlocked (restore a backup)"),
];

/// The domain nouns in a lower layer's file (`relative` to its `src/`), each as
/// `file:line: noun: code`.
fn domain_nouns_in(relative: &Path, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Some(code) = code_outside_tests(relative, text) else { return found };
    let file = relative.to_string_lossy().replace('\\', "/");
    for (n, line) in code.lines().enumerate() {
        let mut plain = line.to_string();
        for word in NOT_NOUNS {
            plain = plain.replace(word, " ");
        }
        let lower = plain.to_lowercase();
        for noun in DOMAIN_NOUNS {
            let allowed = ALLOWED.iter().any(|(f, a, l)| *f == file && a == noun && line.contains(l));
            if lower.contains(noun) && !allowed {
                found.push(format!("{file}:{}: {noun}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn the_store_and_the_ground_name_no_domain_noun() {
    let root = root();
    let mut found = Vec::new();
    for dir in ["crates/huka-store/src", "crates/huka-ground/src"] {
        let src = root.join(dir);
        for file in rust_files(&src) {
            let relative = file.strip_prefix(&src).unwrap();
            for f in domain_nouns_in(relative, &std::fs::read_to_string(&file).unwrap()) {
                found.push(format!("{dir}/{f}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The files of the domain and exchange, outside tests, each with its path under `root`.
fn sources_outside_tests(root: &Path, dirs: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in dirs {
        let src = root.join(dir);
        for path in rust_files(&src) {
            let relative = path.strip_prefix(&src).unwrap();
            if let Some(code) = code_outside_tests(relative, &std::fs::read_to_string(&path).unwrap()) {
                out.push((format!("{dir}/{}", relative.display()), code));
            }
        }
    }
    out.sort();
    out
}

/// The lines of `code` that call a `write` with one argument — `Store::write(|w| …)`, the store's
/// own transaction. The gate's `Pass::write(store, |w| …)` takes the store first, and the other
/// `write`s (the archive's) take more: a comma at the call's own level.
fn store_writes(code: &str) -> Vec<usize> {
    let code = &code.replace("'\"'", "'q'"); // a quote character is not a string
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find(".write(") {
        let start = from + at + ".write(".len();
        from = start;
        // Commas at the call's own level, and whether anything follows the last one (a trailing
        // comma, `write(\n    |w| …,\n)`, starts no second argument).
        let (mut depth, mut commas, mut after_comma, mut in_string, mut escaped) = (0usize, 0usize, false, false, false);
        for c in code[start..].chars() {
            if in_string {
                in_string = !(c == '"' && !escaped);
                escaped = c == '\\' && !escaped;
                continue;
            }
            match c {
                '"' => in_string = true,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => break,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    commas += 1;
                    after_comma = false;
                    continue;
                }
                _ => {}
            }
            after_comma |= !c.is_whitespace();
        }
        if commas == 0 || (commas == 1 && !after_comma) {
            out.push(code[..start].lines().count());
        }
    }
    out
}

/// Where the installation writes without an account's right (`access::Why`): each place is
/// named here, so that a new one is a decision, not a slip.
const UNGUARDED: &[&str] = &[
    "crates/huka-domain/src/sealing.rs",
    "crates/huka-domain/src/session.rs",
    "crates/huka-domain/src/settings.rs",
    "crates/huka-exchange/src/backup.rs",
    "crates/huka-exchange/src/sync/copy.rs",
    "crates/huka-exchange/src/sync/mod.rs",
];

/// One gate (ARCHITECTURE.md, "Invariants"): outside `access.rs`, no code of the domain or the
/// exchange opens a store transaction itself. Every write asks `access` — `access::write`, or
/// a `Pass` from `access::ask…` and its `write` — or is one of the installation's own writes,
/// named by their reason (`access::Why`) in the files listed in [`UNGUARDED`]. (`Writer::bulk`
/// needs a `Writer`, which only a write's closure has.)
#[test]
fn every_write_passes_the_access_gate() {
    let root = root();
    let mut found = Vec::new();
    for (file, code) in sources_outside_tests(&root, &["crates/huka-domain/src", "crates/huka-exchange/src"]) {
        if file == "crates/huka-domain/src/access.rs" {
            continue;
        }
        for line in store_writes(&code) {
            found.push(format!("{file}:{line}: a store write outside the gate (use access::write, or access::ask… and the pass's write)"));
        }
        if (code.contains("Why::") || code.contains("exempt(")) && !UNGUARDED.contains(&file.as_str()) {
            found.push(format!("{file}: writes without asking a right (access::Why); if it must, name the file in UNGUARDED"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The check itself: a store write is told from the gate's and from other `write`s.
#[test]
fn a_store_write_is_found() {
    let code = "let a = store.write(|w| put(w, \"a, \\\"b\", '\"', 1))?;\npass.write(store, |w| {\n    f(w, 2)\n})?;\nprepared.write(fonts, folder, progress)?;\ncopy.write(\n    |w| insert(w, &x),\n)?;\nstore.write(insert_all)?;";
    assert_eq!(store_writes(code), [1, 6, 9]);
}

/// The check itself: the ground's error types of old are found; Rust's words are not.
#[test]
fn a_domain_noun_is_found() {
    let old = "pub enum Error {\n    SyncDamaged,\n    NotABackup,\n}\nfn kind_zh(kind: &str) -> &'static str {\n    match kind { \"household\" => \"户卡\", _ => \"记录\" }\n}\n";
    let found = domain_nouns_in(Path::new("error.rs"), old);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].starts_with("error.rs:2: sync:"), "{found:?}");
    let rust = "pub trait DomainError: std::any::Any + Send + Sync {}\nfn f(d: &File) { let _ = d.sync_all(); }\n// a household, in a comment\n";
    assert_eq!(domain_nouns_in(Path::new("error.rs"), rust), Vec::<String>::new());
}
