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
/// server and the tests build as plain stable Rust. LLVM's merging of identical functions is
/// off so that each function keeps its own name, which `unplug` goes by (wasm-opt merges them
/// later anyway: 190 bytes brotli).
const SMALL_RUSTFLAGS: &str =
    "-Zmerge-functions=disabled -Zlocation-detail=none -Zunstable-options -Cpanic=immediate-abort";

/// Builds the packages for the browser in one cargo call (they share most dependencies).
pub fn compile(root: &Path, packages: &[&str]) -> Result<PathBuf> {
    let sysroot = sysroot()?;
    ensure_installed(&sysroot)?;
    let mut args = vec!["build", "--profile", PROFILE, "--target", TARGET];
    // `optimize_for_size`: the standard library's smaller code where it has some (number
    // formatting without its 200-byte table, simpler sorting): 400 bytes brotli.
    args.extend([
        "-Z",
        "build-std=std,panic_abort",
        "-Z",
        "build-std-features=optimize_for_size",
    ]);
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
    let js = out_dir.join(format!("{name}.js"));
    slim_glue(&wasm, &js, name)?;
    let mut options = OptimizationOptions::new_optimize_for_size_aggressively();
    // Again while the module shrinks; and the low 1 KB of memory is never used (Rust's wasm32
    // puts its stack first, growing down from 1 MB), which lets addresses fold: 1 KB brotli.
    options.converge = true;
    // Inline only small functions with one caller: the big ones, inlined, make each caller
    // a long function unlike any other, which brotli compresses worse than the call; always
    // inline the tiniest. Measured on the widget: 4 KB brotli (the raw module grows 2%).
    options.inlining.one_caller_inline_max_size = 20;
    options.inlining.always_inline_max_size = 4;
    options
        .low_memory_unused(true)
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
        js,
        wasm,
        snippets: snippets.is_dir().then_some(snippets),
    })
}

/// Takes out of the module and its glue what every visitor would download for nothing:
///
/// - custom sections only tools read (`producers`, `target_features`);
/// - wasm-streams' JavaScript classes (`IntoUnderlyingSink`, …). Leptos always depends on
///   `server_fn`, which exports them for streaming server functions; the widget has no server
///   functions, but an export is kept whole with everything it calls. Dropping the exports
///   lets wasm-opt drop that code.
/// - the long import names (`__wbg_requestAnimationFrame_9ba49d36a19ca83c`), written twice,
///   in the module and in the glue: renamed `a`, `b`, … in both; and the exports through
///   which JavaScript calls Rust closures, renamed `_a`, `_b`, ….
///
/// The glue's shape is wasm-bindgen's, pinned to one version in `Cargo.toml`; the checks at
/// the end stop the build if a new version writes it differently.
fn slim_glue(wasm: &Path, js: &Path, name: &str) -> Result<()> {
    let mut module =
        walrus::Module::from_file(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let streams: Vec<_> = module
        .exports
        .iter()
        .filter(|export| export.name.contains("intounderlying"))
        .map(|export| export.id())
        .collect();
    for export in streams {
        module.exports.delete(export);
    }
    unplug(&mut module, "wasm_streams");
    // tachys's event delegation: its `delegation` feature is off, so `On::attach` never takes
    // that branch, but LLVM keeps it (the choice is an `Option` passed in memory), and with it
    // a hash set of event names and a window listener that walks the event's path: 4 KB of
    // the module. Every click in the browser tests would trap if the branch were taken.
    unplug(&mut module, "add_event_listener_delegated");
    anyhow::ensure!(
        unplug_calls(&mut module, "add_event_listener_delegated") > 0,
        "tachys's add_event_listener_delegated is gone or renamed; update slim_glue"
    );
    // The closures' entry points, named after their whole Rust types (300 characters apiece).
    let kept: Vec<String> = module.exports.iter().map(|e| e.name.clone()).collect();
    let mut entry_points = Vec::new();
    for export in module.exports.iter_mut() {
        if export.name.starts_with("wasm_bindgen_") {
            let short = format!("_{}", short_name(entry_points.len()));
            anyhow::ensure!(!kept.contains(&short), "the module already exports {short}");
            entry_points.push((std::mem::replace(&mut export.name, short.clone()), short));
        }
    }
    let glue_module = format!("./{name}_bg.js");
    let mut renames = Vec::new();
    for import in module.imports.iter_mut() {
        if import.module == glue_module {
            let short = short_name(renames.len());
            renames.push((std::mem::replace(&mut import.name, short.clone()), short));
        }
    }
    // Notes for tools, not for browsers: who built it, the features (wasm-opt is told them).
    module.producers.clear();
    for section in ["target_features", "__wasm_split_unstable"] {
        module.customs.remove_raw(section);
    }
    module
        .emit_wasm_file(wasm)
        .with_context(|| format!("writing {}", wasm.display()))?;

    let glue = std::fs::read_to_string(js)?;
    let mut slim = String::with_capacity(glue.len());
    let mut skipping: Option<&str> = None;
    for line in glue.lines() {
        if let Some(last) = skipping {
            if line.starts_with(last) || (last == ";" && line.ends_with(';')) {
                skipping = None;
            }
            continue;
        }
        if line.starts_with("export class IntoUnderlying") {
            skipping = Some("if (Symbol.dispose) IntoUnderlying");
            continue;
        }
        if line.starts_with("const IntoUnderlying") {
            if !line.ends_with(';') {
                skipping = Some(";");
            }
            continue;
        }
        slim.push_str(line);
        slim.push('\n');
    }
    for (long, short) in &renames {
        slim = slim.replacen(
            &format!("\n        {long}: "),
            &format!("\n        {short}: "),
            1,
        );
    }
    for (long, short) in &entry_points {
        slim = slim.replace(&format!("wasm.{long}("), &format!("wasm.{short}("));
    }
    anyhow::ensure!(
        !slim.contains("IntoUnderlying") && !slim.contains("intounderlying"),
        "wasm-bindgen's glue for wasm-streams changed shape; update slim_glue"
    );
    // (The glue's own functions named like the entry points are local: terser shortens them.)
    let calls: Vec<String> = entry_points
        .iter()
        .map(|(long, _)| format!("wasm.{long}"))
        .collect();
    if let Some(long) = renames
        .iter()
        .map(|(long, _)| long)
        .chain(&calls)
        .find(|long| slim.contains(long.as_str()))
    {
        anyhow::bail!("wasm-bindgen's glue uses {long} differently; update slim_glue");
    }
    std::fs::write(js, slim)?;
    Ok(())
}

/// Points the function table's slots that hold `owner`'s code at functions that only trap
/// (one per signature), so that wasm-opt drops that code. wasm-streams' closures stay in the
/// table after its exports are gone (their vtables hold their slots, and wasm-opt keeps a
/// table's every entry): 9 KB of the module, 2.7 KB brotli. Slots keep their places, so
/// every other vtable still calls what it called. Sound only while each slot holds the code
/// of the one function it is named after: the build turns LLVM's merging of identical
/// functions off (`SMALL_RUSTFLAGS`), and wasm-opt merges them after this.
fn unplug(module: &mut walrus::Module, owner: &str) {
    let mut stubs = std::collections::HashMap::new();
    let segments: Vec<_> = module.elements.iter().map(|segment| segment.id()).collect();
    for segment in segments {
        let walrus::ElementItems::Functions(items) = &module.elements.get(segment).items else {
            continue;
        };
        let mut items = items.clone();
        for item in &mut items {
            let function = module.funcs.get(*item);
            if !function
                .name
                .as_deref()
                .is_some_and(|name| name.contains(owner))
            {
                continue;
            }
            let ty = function.ty();
            *item = *stubs.entry(ty).or_insert_with(|| trap(module, ty));
        }
        module.elements.get_mut(segment).items = walrus::ElementItems::Functions(items);
    }
}

/// Points every direct call to a function named after `owner` at a function that only traps
/// (one per signature), so that wasm-opt drops that code; returns how many functions it
/// unplugged. Sound only where that code can never run: see its caller. Like `unplug`, it
/// goes by each function's own name.
fn unplug_calls(module: &mut walrus::Module, owner: &str) -> usize {
    let owned: Vec<(walrus::FunctionId, walrus::TypeId)> = module
        .funcs
        .iter()
        .filter(|function| {
            function
                .name
                .as_deref()
                .is_some_and(|name| name.contains(owner))
        })
        .map(|function| (function.id(), function.ty()))
        .collect();
    let mut stubs = std::collections::HashMap::new();
    let mut redirects = std::collections::HashMap::new();
    for (function, ty) in owned {
        let stub = *stubs.entry(ty).or_insert_with(|| trap(module, ty));
        redirects.insert(function, stub);
    }
    struct Redirect<'a>(&'a std::collections::HashMap<walrus::FunctionId, walrus::FunctionId>);
    impl walrus::ir::VisitorMut for Redirect<'_> {
        fn visit_instr_mut(&mut self, instr: &mut walrus::ir::Instr, _: &mut walrus::InstrLocId) {
            if let walrus::ir::Instr::Call(walrus::ir::Call { func })
            | walrus::ir::Instr::ReturnCall(walrus::ir::ReturnCall { func }) = instr
                && let Some(stub) = self.0.get(func)
            {
                *func = *stub;
            }
        }
    }
    for (_, function) in module.funcs.iter_local_mut() {
        let entry = function.entry_block();
        walrus::ir::dfs_pre_order_mut(&mut Redirect(&redirects), function, entry);
    }
    redirects.len()
}

/// A new function of signature `ty` that traps (`unreachable`) when called.
fn trap(module: &mut walrus::Module, ty: walrus::TypeId) -> walrus::FunctionId {
    let signature = module.types.get(ty);
    let (params, results) = (signature.params().to_vec(), signature.results().to_vec());
    let mut builder = walrus::FunctionBuilder::new(&mut module.types, &params, &results);
    builder.func_body().unreachable();
    let args = params
        .iter()
        .map(|param| module.locals.add(*param))
        .collect();
    builder.finish(args, &mut module.funcs)
}

/// `a`…`z`, `A`…`Z`, then `ba`, `bb`, …: short. They name properties of the glue's imports
/// object, where any word is allowed.
fn short_name(mut index: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    loop {
        name.push(LETTERS[index % LETTERS.len()]);
        index /= LETTERS.len();
        if index == 0 {
            break;
        }
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}
