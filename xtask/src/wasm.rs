//! Compiling a WebAssembly app: cargo for wasm32, wasm-bindgen as a library, then binaryen's
//! wasm-opt (built from source by the `wasm-opt` crate, binaryen 116: Debian's 108 mangles
//! the reference types current Rust emits).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use wasm_opt::{Feature, OptimizationOptions};

/// The cargo profile the apps are built with (see the workspace `Cargo.toml`).
pub const PROFILE: &str = "wasm-release";
pub const TARGET: &str = "wasm32-unknown-unknown";

/// What wasm-bindgen wrote for one app.
pub struct Bindings {
    /// The ES module to import.
    pub js: PathBuf,
    /// The optimised module it instantiates.
    pub wasm: PathBuf,
    /// `snippets/` with JS that crates inline, imported relative to `js`, if any.
    pub snippets: Option<PathBuf>,
}

/// Compiler flags of the browser build: a panic stops the app at once (the widget has no
/// one to show a panic message to), so neither the messages, nor the formatting code that
/// writes them, nor the file and line of every possible panic are downloaded by every
/// shopper: 14 KB brotli of the widget. These need the standard library compiled with the
/// app (`-Z build-std`, from the `rust-src` component), which the stable compiler allows
/// under `RUSTC_BOOTSTRAP=1`, as Firefox's build does. Only this cargo call sees them; the
/// server and the tests build as plain stable Rust.
const SMALL_RUSTFLAGS: &str = "-Zlocation-detail=none -Zunstable-options -Cpanic=immediate-abort";

/// Builds the packages for the browser in one cargo call (they share most dependencies).
pub fn compile(root: &Path, packages: &[&str]) -> Result<PathBuf> {
    let sysroot = sysroot()?;
    ensure_installed(&sysroot)?;
    let mut args = vec!["build", "--profile", PROFILE, "--target", TARGET];
    args.extend(["-Z", "build-std=std,panic_abort"]);
    for package in packages {
        args.extend(["-p", package]);
    }
    let status = Command::new(crate::cargo_bin())
        .args(&args)
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", SMALL_RUSTFLAGS)
        .status()
        .context("running cargo build for the browser")?;
    anyhow::ensure!(status.success(), "cargo {} failed", args.join(" "));
    Ok(target_dir(root)?.join(TARGET).join(PROFILE))
}

fn sysroot() -> Result<PathBuf> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .context("running rustc --print sysroot")?;
    Ok(PathBuf::from(
        String::from_utf8_lossy(&sysroot.stdout).trim(),
    ))
}

/// `rust-toolchain.toml` lists the target and `rust-src`, but rustup only installs them on
/// its own when it installs the whole toolchain; add them to an existing toolchain here.
fn ensure_installed(sysroot: &Path) -> Result<()> {
    let wanted = [
        (sysroot.join("lib/rustlib").join(TARGET), "target", TARGET),
        (
            sysroot.join("lib/rustlib/src/rust/library"),
            "component",
            "rust-src",
        ),
    ];
    for (path, kind, name) in wanted {
        if path.is_dir() {
            continue;
        }
        let status = Command::new("rustup")
            .args([kind, "add", name])
            .status()
            .with_context(|| format!("running rustup {kind} add {name}"))?;
        anyhow::ensure!(status.success(), "rustup {kind} add {name} failed");
    }
    Ok(())
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR`, or `target/` in the workspace.
pub fn target_dir(root: &Path) -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return Ok(if dir.is_absolute() {
            dir
        } else {
            root.join(dir)
        });
    }
    Ok(root.join("target"))
}

/// Runs wasm-bindgen (`--target web`) and wasm-opt on one compiled app.
pub fn bind_and_optimise(compiled: &Path, name: &str, out_dir: &Path) -> Result<Bindings> {
    let input = compiled.join(format!("{}.wasm", name.replace('-', "_")));
    std::fs::create_dir_all(out_dir)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&input)
        .web(true)?
        .typescript(false)
        .out_name(name)
        .generate(out_dir)
        .with_context(|| format!("wasm-bindgen on {}", input.display()))?;
    let wasm = out_dir.join(format!("{name}_bg.wasm"));
    OptimizationOptions::new_optimize_for_size_aggressively()
        // PRONTO_KEEP_NAMES=1 keeps function names in the optimised module, so that
        // `twiggy top dist/assets/pronto-*_bg.wasm` can say what the download is made of.
        .debug_info(std::env::var_os("PRONTO_KEEP_NAMES").is_some())
        // What rustc's wasm32 target emits today, and every current browser runs.
        .enable_feature(Feature::ReferenceTypes)
        .enable_feature(Feature::BulkMemory)
        .enable_feature(Feature::SignExt)
        .enable_feature(Feature::TruncSat)
        .enable_feature(Feature::MutableGlobals)
        .enable_feature(Feature::Multivalue)
        .run(&wasm, &wasm)
        .with_context(|| format!("wasm-opt on {}", wasm.display()))?;
    let snippets = out_dir.join("snippets");
    Ok(Bindings {
        js: out_dir.join(format!("{name}.js")),
        wasm,
        snippets: snippets.is_dir().then_some(snippets),
    })
}
