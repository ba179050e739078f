//! Assembling `dist/`, the folder the server serves: fingerprinted widget and console assets
//! with `.br` and `.gz` copies, the loader with their names written in, and the pages.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::{browser, wasm};

/// The finished `dist/` and the sizes a visitor downloads.
pub struct Dist {
    pub dir: PathBuf,
    sizes: Vec<(String, Sizes)>,
}

#[derive(Clone, Copy, Default)]
struct Sizes {
    raw: u64,
    gz: u64,
    br: u64,
}

impl std::ops::Add for Sizes {
    type Output = Sizes;
    fn add(self, other: Sizes) -> Sizes {
        Sizes {
            raw: self.raw + other.raw,
            gz: self.gz + other.gz,
            br: self.br + other.br,
        }
    }
}

impl Dist {
    pub fn print_sizes(&self) {
        println!(
            "{:<34} {:>10} {:>10} {:>10}",
            "transferred", "raw", "gzip", "brotli"
        );
        for (name, s) in &self.sizes {
            println!("{name:<34} {:>10} {:>10} {:>10}", s.raw, s.gz, s.br);
        }
    }
}

pub fn build(root: &Path) -> Result<Dist> {
    let compiled = wasm::compile(root, &["pronto", "pronto-console"])?;
    let dir = root.join("dist");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).context("clearing dist/")?;
    }
    let assets = dir.join("assets");
    let staging = root.join("target").join("xtask-bindgen");
    let _ = std::fs::remove_dir_all(&staging);

    let terser = Terser::new(root)?;

    let widget = wasm::bind_and_optimise(&compiled, "pronto", &staging.join("pronto"))?;
    let widget_js = publish_bytes(&terser.minify(&widget.js, true)?, &assets, "pronto", "js")?;
    let widget_wasm = publish(&widget.wasm, &assets, "pronto", "wasm")?;
    let widget_css = publish_minified(&root.join("style/widget.css"), &assets, "pronto", "css")?;
    copy_snippets(widget.snippets.as_deref(), &assets)?;

    let console = wasm::bind_and_optimise(&compiled, "pronto-console", &staging.join("console"))?;
    let console_js = publish_bytes(&terser.minify(&console.js, true)?, &assets, "console", "js")?;
    let console_wasm = publish(&console.wasm, &assets, "console", "wasm")?;
    let console_css = publish(
        &root.join("crates/console/style/console.css"),
        &assets,
        "console",
        "css",
    )?;
    copy_snippets(console.snippets.as_deref(), &assets)?;
    // The console's page may not run inline scripts (CSP), so its boot code is a file too.
    let boot = format!(
        "import init from \"./{console_js}\";\n\
         init({{ module_or_path: new URL(\"./{console_wasm}\", import.meta.url) }});\n"
    );
    let boot_path = staging.join("console-boot.js");
    std::fs::write(&boot_path, boot)?;
    let console_boot = publish(&boot_path, &assets, "console-boot", "js")?;

    // The loader keeps its name (shops link to it) and learns the fingerprinted names here.
    let manifest = serde_json::json!({
        "js": format!("assets/{widget_js}"),
        "wasm": format!("assets/{widget_wasm}"),
        "css": format!("assets/{widget_css}"),
    });
    let loader = String::from_utf8(terser.minify(&root.join("public/pronto.js"), false)?)?;
    anyhow::ensure!(
        loader.contains("\"__PRONTO_ASSETS__\""),
        "public/pronto.js lost its __PRONTO_ASSETS__ placeholder"
    );
    let loader = loader.replace("\"__PRONTO_ASSETS__\"", &manifest.to_string());
    write_compressed(&dir.join("pronto.js"), loader.as_bytes())?;

    let console_page = std::fs::read_to_string(root.join("crates/console/index.html"))?
        .replace("{{CSS}}", &format!("/assets/{console_css}"))
        .replace("{{BOOT}}", &format!("/assets/{console_boot}"));
    std::fs::create_dir_all(dir.join("console"))?;
    std::fs::write(dir.join("console/index.html"), console_page)?;
    std::fs::copy(root.join("index.html"), dir.join("index.html"))?;
    // The demo pages (the theming showcase and the storefronts it frames).
    std::fs::create_dir_all(dir.join("demo"))?;
    for page in walk(&root.join("demo"))? {
        if let Some(name) = page.file_name() {
            std::fs::copy(&page, dir.join("demo").join(name))?;
        }
    }

    let size = |name: &str| sizes(&assets.join(name));
    let loader_size = sizes(&dir.join("pronto.js"));
    // Every page view of every shop runs the loader: its budget is a hard limit.
    anyhow::ensure!(
        loader_size.gz <= LOADER_BUDGET_GZ,
        "the loader is {} bytes gzipped, over its budget of {LOADER_BUDGET_GZ}",
        loader_size.gz
    );
    let first_open = size(&widget_js) + size(&widget_wasm) + size(&widget_css);
    // What a visitor downloads on opening the chat: a hard limit too.
    anyhow::ensure!(
        first_open.br <= FIRST_OPEN_BUDGET_BR,
        "the widget's first open is {} bytes brotli'd, over its budget of {FIRST_OPEN_BUDGET_BR}",
        first_open.br
    );
    let sizes = vec![
        ("widget loader (pronto.js)".to_owned(), loader_size),
        ("widget first open (js+wasm+css)".to_owned(), first_open),
        ("  widget wasm".to_owned(), size(&widget_wasm)),
        (
            "console (js+wasm+css)".to_owned(),
            size(&console_js) + size(&console_wasm) + size(&console_css),
        ),
    ];
    let report = serde_json::json!({
        "loader_gz_bytes": loader_size.gz,
        "first_open_br_bytes": first_open.br,
        "first_open_gz_bytes": first_open.gz,
    });
    std::fs::write(dir.join("sizes.json"), report.to_string())?;
    Ok(Dist { dir, sizes })
}

/// terser, run by node: scripts as every storefront visitor downloads them, with short local
/// names and without comments or dead code (a quarter of wasm-bindgen's glue, brotli'd).
struct Terser {
    node: PathBuf,
    script: PathBuf,
}

impl Terser {
    fn new(root: &Path) -> Result<Self> {
        Ok(Self {
            node: browser::node()?,
            script: browser::ensure_terser(&wasm::target_dir(root)?.join("terser"))?,
        })
    }

    /// `source` minified; `module` for an ES module (wasm-bindgen's glue), else a classic
    /// script (the loader).
    fn minify(&self, source: &Path, module: bool) -> Result<Vec<u8>> {
        let mut command = Command::new(&self.node);
        command.arg(&self.script).arg(source).args([
            "--compress",
            "--mangle",
            "--comments",
            "some",
        ]);
        if module {
            command.arg("--module");
        }
        let out = command
            .output()
            .with_context(|| format!("running terser on {}", source.display()))?;
        anyhow::ensure!(
            out.status.success(),
            "terser failed on {}: {}",
            source.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(out.stdout)
    }
}

/// Copies `source` into `assets/` as `<stem>-<hash>.<ext>` with compressed copies; returns the name.
fn publish(source: &Path, assets: &Path, stem: &str, ext: &str) -> Result<String> {
    let bytes = std::fs::read(source).with_context(|| format!("reading {}", source.display()))?;
    publish_bytes(&bytes, assets, stem, ext)
}

/// `publish`, for the stylesheet the widget's visitors download: without comments.
fn publish_minified(source: &Path, assets: &Path, stem: &str, ext: &str) -> Result<String> {
    let text =
        std::fs::read_to_string(source).with_context(|| format!("reading {}", source.display()))?;
    publish_bytes(without_comments(&text).as_bytes(), assets, stem, ext)
}

fn publish_bytes(bytes: &[u8], assets: &Path, stem: &str, ext: &str) -> Result<String> {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let name = if ext == "wasm" {
        format!("{stem}-{hex}_bg.wasm")
    } else {
        format!("{stem}-{hex}.{ext}")
    };
    write_compressed(&assets.join(&name), bytes)?;
    Ok(name)
}

fn copy_snippets(snippets: Option<&Path>, assets: &Path) -> Result<()> {
    let Some(snippets) = snippets else {
        return Ok(());
    };
    for entry in walk(snippets)? {
        let relative = entry.strip_prefix(snippets.parent().expect("snippets has a parent"))?;
        let bytes = std::fs::read(&entry)?;
        write_compressed(&assets.join(relative), &bytes)?;
    }
    Ok(())
}

fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(walk(&path)?);
        } else {
            files.push(path);
        }
    }
    Ok(files)
}

/// Writes a file and its `.gz` and `.br` copies, for the server to pick by Accept-Encoding.
fn write_compressed(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    std::fs::write(with_suffix(path, "gz"), gz.finish()?)?;
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut std::io::Cursor::new(bytes), &mut br, &params)?;
    std::fs::write(with_suffix(path, "br"), br)?;
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn sizes(path: &Path) -> Sizes {
    let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    Sizes {
        raw: len(path),
        gz: len(&with_suffix(path, "gz")),
        br: len(&with_suffix(path, "br")),
    }
}

/// The most the loader (`pronto.js`) may weigh gzipped.
pub const LOADER_BUDGET_GZ: u64 = 2 * 1024;
/// The most the widget's first open (wasm + js + css) may weigh brotli'd: 90 KB (of 1024
/// bytes, as the loader's 2 KB).
pub const FIRST_OPEN_BUDGET_BR: u64 = 90 * 1024;

/// The stylesheet as served: its `/* … */` and whole-line `//` comments and its indentation
/// dropped (every storefront visitor downloads it; the comments are for us). `/*! … */`
/// banners stay. Only for our own stylesheet, which has no `/*` inside a string.
fn without_comments(source: &str) -> String {
    let mut code = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("/*") {
        let Some(length) = rest[start..].find("*/") else {
            break;
        };
        let end = start + length + 2;
        code.push_str(&rest[..start]);
        if rest[start..].starts_with("/*!") {
            code.push_str(&rest[start..end]);
        }
        rest = &rest[end..];
    }
    code.push_str(rest);
    code.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}
