//! Sending a file the person picked to the server, with upload progress (`XMLHttpRequest`:
//! `fetch` reports no upload progress). Only the browser uploads; on the server, where pages are
//! rendered but never clicked, [`send_file`] is never reached and answers so.

/// How an upload ended: the HTTP status and the answer's text (0 and a reason if the request
/// could not be made or the connection broke).
pub struct Answer {
    pub status: u16,
    pub text: String,
}

#[cfg(target_arch = "wasm32")]
pub fn send_file(
    url: &str,
    file: web_sys::File,
    on_progress: impl Fn(f64, f64) + 'static,
    on_done: impl FnOnce(Answer) + 'static,
) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        return on_done(Answer {
            status: 0,
            text: "This browser cannot upload files.".into(),
        });
    };
    let progress =
        Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            on_progress(e.loaded(), e.total());
        });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    progress.forget();
    let done_xhr = xhr.clone();
    let done = Closure::once(move || {
        let status = done_xhr.status().unwrap_or(0);
        let text = done_xhr.response_text().ok().flatten().unwrap_or_default();
        on_done(Answer {
            status,
            text: if status == 0 {
                "The upload broke off. Check the connection and import the file again: rows \
                 already stored are not imported twice."
                    .into()
            } else {
                text
            },
        });
    });
    xhr.set_onloadend(Some(done.as_ref().unchecked_ref()));
    done.forget();
    // A request that cannot even start still ends in `loadend` with status 0.
    let _ = xhr
        .open("POST", url)
        .and_then(|()| xhr.set_request_header("content-type", "application/octet-stream"))
        .and_then(|()| xhr.send_with_opt_blob(Some(&file)));
}

#[cfg(not(target_arch = "wasm32"))]
pub fn send_file(
    _url: &str,
    _file: web_sys::File,
    _on_progress: impl Fn(f64, f64) + 'static,
    on_done: impl FnOnce(Answer) + 'static,
) {
    on_done(Answer {
        status: 0,
        text: "Files are uploaded from the browser.".into(),
    });
}
