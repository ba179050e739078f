//! Static files: compressed copies, content types, and cache lifetimes.

use reqwest::header::{
    ACCEPT_ENCODING, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE,
    ORIGIN,
};

use crate::helpers::spawn_app_with_assets;

#[tokio::test]
async fn fingerprinted_files_are_compressed_cached_and_shareable() {
    let dir = tempfile::tempdir().unwrap();
    let assets = dir.path().join("assets");
    std::fs::create_dir_all(&assets).unwrap();
    std::fs::write(assets.join("pronto-0123abcd_bg.wasm"), b"\0asm plain").unwrap();
    std::fs::write(assets.join("pronto-0123abcd_bg.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(assets.join("pronto-0123abcd_bg.wasm.gz"), b"gzip bytes").unwrap();
    std::fs::write(dir.path().join("pronto.js"), b"/* loader */").unwrap();
    std::fs::write(dir.path().join("pronto.js.gz"), b"gz loader").unwrap();
    let app = spawn_app_with_assets(dir.path()).await;
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();

    let wasm = client
        .get(app.url("/assets/pronto-0123abcd_bg.wasm"))
        .header(ACCEPT_ENCODING, "gzip, br")
        .header(ORIGIN, "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()[CONTENT_TYPE], "application/wasm");
    assert_eq!(wasm.headers()[CONTENT_ENCODING], "br");
    assert_eq!(
        wasm.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(wasm.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert_eq!(wasm.bytes().await.unwrap().as_ref(), b"brotli bytes");

    let plain = client
        .get(app.url("/assets/pronto-0123abcd_bg.wasm"))
        .send()
        .await
        .unwrap();
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(plain.bytes().await.unwrap().as_ref(), b"\0asm plain");

    let loader = client
        .get(app.url("/pronto.js"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(loader.status(), 200);
    assert!(
        loader.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(loader.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(loader.headers()[CACHE_CONTROL], "public, max-age=300");

    let missing = client.get(app.url("/assets/nope.js")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}
