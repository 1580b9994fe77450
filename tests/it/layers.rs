//! The layer rule: each top-level module of the library imports only from modules declared
//! before it in `src/lib.rs`, so the pipeline reads top-down and no two modules depend on
//! each other. This test reads the sources (comments, strings and `#[cfg(test)]` items
//! removed), collects every `crate::…` path (and `crate::{…}` group, and `super::` paths
//! that climb out of a module) and fails on any that points up or sideways to a later
//! module. Names that `lib.rs` re-exports at the root count as imports of their module.
//! Inside each module folder, the files must not import each other in a cycle either.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The source with comments removed and the insides of string and char literals blanked
/// (so braces and `crate::` in them count for nothing).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            let mut depth = 0;
            while i < b.len() {
                if src[i..].starts_with("/*") {
                    depth += 1;
                    i += 2;
                } else if src[i..].starts_with("*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if let Some(hashes) = raw_string_start(rest) {
            let open = usize::from(rest.starts_with('b')) + 2 + hashes; // b, r, #…, "
            let close = format!("\"{}", "#".repeat(hashes));
            let end = rest[open..]
                .find(&close)
                .map_or(rest.len(), |e| open + e + close.len());
            out.push_str("\"\"");
            i += end;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if let Some(len) = char_literal(rest) {
            out.push_str("' '");
            i += len;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `Some(number of #)` when `s` starts a raw string (`r"`, `r#"`, `br#"` …).
fn raw_string_start(s: &str) -> Option<usize> {
    let s = s.strip_prefix('b').unwrap_or(s);
    let s = s.strip_prefix('r')?;
    let hashes = s.bytes().take_while(|&c| c == b'#').count();
    (s.as_bytes().get(hashes) == Some(&b'"')).then_some(hashes)
}

/// The length of a char literal at the start of `s` (`'x'`, `'\n'`, `'\u{1F600}'`), not a
/// lifetime.
fn char_literal(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('\'')?;
    if let Some(esc) = rest.strip_prefix('\\') {
        let close = esc.find('\'')?;
        return (close <= 10).then_some(close + 3);
    }
    let c = rest.chars().next()?;
    rest[c.len_utf8()..]
        .starts_with('\'')
        .then_some(c.len_utf8() + 2)
}

/// `code` without the items marked `#[cfg(test)]` (a `mod tests { … }`, a helper fn, a
/// `use`).
fn without_test_items(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let brace = item.find('{');
        let semi = item.find(';');
        let end = match (brace, semi) {
            (Some(b), Some(s)) if s < b => s + 1,
            (Some(b), _) => {
                let mut depth = 0usize;
                let mut end = item.len();
                for (k, c) in item[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(s)) => s + 1,
            (None, None) => item.len(),
        };
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first path segment after every `crate::` in `code`, with the members of
/// `crate::{a::…, b, …}` groups.
fn crate_targets(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        // `$crate::` in a macro counts too; `lungfield_crate::` would not be a path.
        if at > 0 {
            let prev = code[..at].chars().next_back().unwrap();
            if prev.is_ascii_alphanumeric() || prev == '_' {
                continue;
            }
        }
        let rest = code[at + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut start = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        out.push(ident_at(&group[k..]).to_string());
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(ident_at(rest).to_string());
        }
    }
    out.retain(|t| !t.is_empty() && t != "self");
    out
}

/// The top-level modules a `super::…` path in a file at `depth` (1 for `src/a.rs` and
/// `src/a/mod.rs`, 2 for `src/a/b.rs` …) reaches when it climbs to the crate root.
fn super_targets(code: &str, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("super::") {
        if at > 0 && code[..at].ends_with("::") {
            continue; // counted from the first `super`
        }
        let mut rest = &code[at..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r;
        }
        if ups >= depth {
            out.push(ident_at(rest).to_string());
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The modules `lib.rs` declares, in order, and the names it re-exports at the root with
/// the module each comes from.
fn declared(lib: &str) -> (Vec<String>, BTreeMap<String, String>) {
    let mut order = Vec::new();
    let mut names = BTreeMap::new();
    let code = code_only(lib);
    for stmt in code.split(';') {
        let s = stmt.trim();
        let s = s.rsplit(['\n', ']']).next().unwrap_or(s).trim();
        let s = s.strip_prefix("pub ").unwrap_or(s);
        if let Some(m) = s.strip_prefix("mod ") {
            order.push(m.trim().to_string());
        } else if let Some(u) = s.strip_prefix("use ") {
            let (module, rest) = u.split_once("::").unwrap_or((u, ""));
            let rest = rest.trim().trim_start_matches('{').trim_end_matches('}');
            for name in rest.split(',') {
                let name = ident_at(name.trim());
                if !name.is_empty() {
                    names.insert(name.to_string(), module.trim().to_string());
                }
            }
        }
    }
    (order, names)
}

#[test]
fn every_module_imports_only_from_modules_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (order, reexports) = declared(&fs::read_to_string(src.join("lib.rs")).unwrap());
    assert!(
        order.len() >= 15 && order.iter().any(|m| m == "pipeline"),
        "lib.rs declares {order:?}"
    );
    let rank = |m: &str| order.iter().position(|o| o == m);

    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut checked = 0;
    let mut upward = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if parts[0] == "lib.rs" || parts[0] == "bin" {
            continue; // the root and the binary sit above every module
        }
        let top = parts[0].trim_end_matches(".rs").to_string();
        let Some(own) = rank(&top) else {
            panic!(
                "{} belongs to `{top}`, which lib.rs does not declare",
                rel.display()
            );
        };
        let depth = parts.len() - usize::from(parts.last().unwrap() == "mod.rs");
        let code = without_test_items(&code_only(&fs::read_to_string(file).unwrap()));
        checked += 1;
        for target in crate_targets(&code)
            .into_iter()
            .chain(super_targets(&code, depth))
        {
            let module = reexports.get(&target).cloned().unwrap_or(target);
            if module == top {
                continue;
            }
            match rank(&module) {
                Some(r) if r < own => {}
                Some(_) => upward.push(format!("{} imports `{module}`", rel.display())),
                None => {} // a macro's or an external crate's name, not a module
            }
        }
    }
    assert!(checked > 50, "only {checked} source files found");
    upward.sort();
    upward.dedup();
    assert!(
        upward.is_empty(),
        "imports that break the layer order of lib.rs ({}):\n{}",
        order.join(" < "),
        upward.join("\n")
    );
}

#[test]
fn the_parser_sees_paths_and_skips_comments_strings_and_tests() {
    let code = code_only(
        "use crate::{a::X, b};\n// crate::c\nlet s = \"crate::d\";\nlet c = '{';\n\
         fn f<'x>() { crate::e::f() }\n#[cfg(test)]\nmod tests { use crate::g; }\n\
         use super::super::h::Y;",
    );
    let code = without_test_items(&code);
    assert_eq!(crate_targets(&code), ["a", "b", "e"]);
    assert_eq!(super_targets(&code, 2), ["h"]);
    assert!(super_targets(&code, 3).is_empty());
    let (order, names) =
        declared("mod error;\n#[doc(hidden)]\npub mod io;\npub use io::{read, Sample};");
    assert_eq!(order, ["error", "io"]);
    assert_eq!(names.get("Sample").map(String::as_str), Some("io"));
}

/// The sibling files (and folders) of one module folder that `code` names, by `super::x` or
/// by `crate::path::x`.
fn sibling_targets(code: &str, module_path: &str, siblings: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut prefixes = vec!["super::".to_string()];
    prefixes.push(format!("crate::{module_path}::"));
    for prefix in &prefixes {
        for (at, _) in code.match_indices(prefix.as_str()) {
            if at > 0 && code[..at].ends_with("::") {
                continue; // `super::super::…` climbs further
            }
            let name = ident_at(&code[at + prefix.len()..]);
            if siblings.iter().any(|s| s == name) {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// Every folder module of the library: (its path from `src`, its files' and folders' names).
fn module_dirs(dir: &Path, rel: &str, out: &mut Vec<(PathBuf, String)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() && p.file_name().is_some_and(|n| n != "bin") {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}::{name}")
            };
            out.push((p.clone(), r.clone()));
            module_dirs(&p, &r, out);
        }
    }
}

#[test]
fn no_two_files_of_a_module_import_each_other_even_through_others() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = Vec::new();
    module_dirs(&src, "", &mut dirs);
    assert!(dirs.len() >= 8, "only {} module folders found", dirs.len());
    let mut cycles = Vec::new();
    for (dir, module_path) in &dirs {
        let files: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let names: Vec<String> = files
            .iter()
            .map(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_string()
            })
            .filter(|n| n != "mod")
            .collect();
        let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for p in files.iter().filter(|p| p.is_file()) {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            if name == "mod" || p.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let code = without_test_items(&code_only(&fs::read_to_string(p).unwrap()));
            let mut t = sibling_targets(&code, module_path, &names);
            t.retain(|x| *x != name);
            t.sort();
            t.dedup();
            edges.insert(name, t);
        }
        // A depth-first search that reports each cycle it closes.
        fn visit(
            n: &str,
            edges: &BTreeMap<String, Vec<String>>,
            stack: &mut Vec<String>,
            done: &mut Vec<String>,
            cycles: &mut Vec<String>,
        ) {
            if let Some(k) = stack.iter().position(|s| s == n) {
                cycles.push(format!("{} -> {n}", stack[k..].join(" -> ")));
                return;
            }
            if done.iter().any(|d| d == n) {
                return;
            }
            stack.push(n.to_string());
            for t in edges.get(n).into_iter().flatten() {
                visit(t, edges, stack, done, cycles);
            }
            stack.pop();
            done.push(n.to_string());
        }
        let mut found = Vec::new();
        let mut done = Vec::new();
        for n in edges.keys() {
            visit(n, &edges, &mut Vec::new(), &mut done, &mut found);
        }
        cycles.extend(found.into_iter().map(|c| format!("{module_path}: {c}")));
    }
    assert!(
        cycles.is_empty(),
        "files of one module that import each other:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_sibling_parser_sees_super_and_crate_paths() {
    let names = vec!["apply".to_string(), "model".to_string()];
    let code = "use super::model::X; use crate::prior::apply::f; use super::super::model::Y;";
    assert_eq!(sibling_targets(code, "prior", &names), ["model", "apply"]);
}
