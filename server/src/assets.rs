//! The browser bundle (`<site root>/pkg`: the WebAssembly, its JavaScript and the styles).
//! Pages name it under `/v/<version>/pkg/…`, where the version is a digest of the bundle's
//! contents: those addresses never change meaning, so browsers keep them for a year without
//! asking again. The plain `/pkg/…` addresses stay, to be revalidated on every use
//! (`Last-Modified` and `304`). Brotli and gzip copies made at build time
//! (`scripts/compress-assets.sh`) are sent to browsers that accept them.
use crate::state::AppState;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use sha2::{Digest, Sha256};
use std::path::{Path as FsPath, PathBuf};
use tower::ServiceExt;
use tower_http::services::ServeDir;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The bundle on disk and the version pages name it by.
#[derive(Clone, Debug)]
pub struct Assets {
    pkg_dir: PathBuf,
    version: String,
}

impl Assets {
    /// Reads the bundle once, at start-up, to compute its version. Without a bundle (a
    /// server-only build) the version is `none` and nothing is served under it; a bundle file
    /// that cannot be read is an error (a version of part of the bundle would be wrong).
    pub fn load(site_root: &FsPath, pkg_dir: &str) -> std::io::Result<Self> {
        let pkg_dir = site_root.join(pkg_dir);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&pkg_dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.is_file()
                            && !matches!(
                                p.extension().and_then(|e| e.to_str()),
                                Some("br" | "gz" | "ts")
                            )
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        let version = if files.is_empty() {
            "none".to_owned()
        } else {
            let mut digest = Sha256::new();
            for file in &files {
                digest.update(file.file_name().unwrap_or_default().as_encoded_bytes());
                digest.update(std::fs::read(file)?);
            }
            digest.finalize()[..8]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        Ok(Self { pkg_dir, version })
    }

    /// The prefix pages put before `/pkg/…`, e.g. `/v/3f9c0a1b2d4e5f60`.
    pub fn root(&self) -> String {
        format!("/v/{}", self.version)
    }

    fn files(&self) -> ServeDir {
        ServeDir::new(&self.pkg_dir)
            .precompressed_br()
            .precompressed_gzip()
    }
}

/// `GET /v/{version}/pkg/{file}`: the current bundle's files, cached for good. Another
/// version (a page from before an upgrade) is not found rather than answered with files
/// that do not match it.
pub async fn versioned(
    State(state): State<AppState>,
    Path((version, file)): Path<(String, String)>,
    request: Request,
) -> Response {
    if version != state.assets.version {
        return (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, REVALIDATE)]).into_response();
    }
    serve(&state.assets, &file, request, IMMUTABLE).await
}

/// `GET /pkg/{file}`: the same files by their plain names, revalidated on every use.
pub async fn plain(
    State(state): State<AppState>,
    Path(file): Path<String>,
    request: Request,
) -> Response {
    serve(&state.assets, &file, request, REVALIDATE).await
}

async fn serve(assets: &Assets, file: &str, request: Request, cache: &'static str) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(uri) = format!("/{file}").parse() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    parts.uri = uri;
    let response = match assets
        .files()
        .oneshot(Request::from_parts(parts, body))
        .await
    {
        Ok(response) => response.map(axum::body::Body::new),
        Err(never) => match never {},
    };
    let mut response = response.into_response();
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    response
}
