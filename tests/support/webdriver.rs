//! Just enough WebDriver (W3C) to drive the real Huka window: tauri-driver in front of
//! WebKitWebDriver, on an Xvfb display these helpers start when none is given.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A process killed when dropped — with everything it started, when it was spawned by
/// [`Guard::group`]: tauri-driver starts WebKitWebDriver, which starts the app, and killing
/// tauri-driver alone left a WebKitWebDriver behind after every test.
pub struct Guard {
    child: Child,
    group: bool,
}

impl Guard {
    /// Guards a process; dropping the guard kills that process only.
    pub fn new(child: Child) -> Guard {
        Guard { child, group: false }
    }

    /// Spawns `cmd` as the leader of a new process group; dropping the guard ends the whole
    /// group: SIGTERM first (WebKitWebDriver closes the app's window), SIGKILL to whatever is
    /// left after two seconds.
    pub fn group(cmd: &mut Command) -> std::io::Result<Guard> {
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        Ok(Guard { child: cmd.spawn()?, group: cfg!(unix) })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.group {
            // The leader is not reaped until the end, so its id — the group's — cannot be
            // reused by an unrelated process while these signals are sent.
            let pgid = self.child.id();
            signal_group(pgid, "TERM");
            let deadline = Instant::now() + Duration::from_secs(2);
            while group_alive(pgid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            signal_group(pgid, "KILL");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends SIGname to every process in group `pgid` (`kill -NAME -- -PGID`).
fn signal_group(pgid: u32, name: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether a live (not zombie) process is still in group `pgid` (read from /proc).
fn group_alive(pgid: u32) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else { return false };
    dir.flatten().any(|e| {
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid pgrp …; comm may hold spaces, so split after the last ')'.
        let mut rest = stat.rsplit_once(')').map(|(_, r)| r.split_whitespace()).into_iter().flatten();
        let state = rest.next();
        let pgrp = rest.nth(1);
        state.is_some_and(|s| s != "Z") && pgrp.and_then(|p| p.parse::<u32>().ok()) == Some(pgid)
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The X display to use: `$DISPLAY`, or a new Xvfb at 1280×800.
pub fn display() -> (String, Option<Guard>) {
    if let Ok(d) = std::env::var("DISPLAY") {
        if !d.is_empty() {
            return (d, None);
        }
    }
    let (d, guard) = xvfb(1280, 800);
    (d, Some(guard))
}

/// A new Xvfb whose one screen is `width`×`height` (24-bit), whatever `$DISPLAY` says: a
/// screen of a given size, and no window manager on it.
pub fn xvfb(width: u32, height: u32) -> (String, Guard) {
    for n in 90..140 {
        let (socket, lock) = (format!("/tmp/.X11-unix/X{n}"), format!("/tmp/.X{n}-lock"));
        if Path::new(&socket).exists() || Path::new(&lock).exists() {
            // A killed Xvfb leaves its lock behind: reuse the number once its process is gone.
            let pid = std::fs::read_to_string(&lock).ok().and_then(|p| p.trim().parse::<u32>().ok());
            if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
                let _ = std::fs::remove_file(&lock);
                let _ = std::fs::remove_file(&socket);
            } else {
                continue;
            }
        }
        let d = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([&d, "-screen", "0", &format!("{width}x{height}x24"), "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is installed (scripts/install-deps.sh)");
        let guard = Guard::new(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            assert!(Instant::now() < deadline, "Xvfb {d} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        return (d, guard);
    }
    panic!("no free X display number");
}

/// One running app in a WebDriver session.
pub struct Session {
    base: String,
    id: String,
    _driver: Guard,
}

impl Session {
    /// Starts tauri-driver and opens the app at `app` with the given extra environment.
    pub fn start(app: &Path, display: &str, env: &[(&str, &str)]) -> Session {
        let port = free_port();
        let native = free_port();
        let mut cmd = Command::new(tauri_driver());
        cmd.args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("DISPLAY", display)
            .env("GDK_BACKEND", "x11")
            // Software rendering: Xvfb has no GPU, and WebKit's DMA-BUF renderer fails there.
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let driver = Guard::group(&mut cmd).expect("tauri-driver is installed (scripts/install-deps.sh)");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if ureq::get(&format!("{base}/status")).call().is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "tauri-driver did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({ "capabilities": { "alwaysMatch": { "tauri:options": { "application": app } } } });
        let v = post(&format!("{base}/session"), &caps).expect("a WebDriver session starts the app");
        let id = v["sessionId"].as_str().expect("session id").to_string();
        Session { base, id, _driver: driver }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{}", self.base, self.id, path)
    }

    pub fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        let v = post(&self.url("/elements"), &json!({ "using": "css selector", "value": css })).unwrap_or(json!([]));
        v.as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT_KEY].as_str()).map(|id| Element { s: self, id: id.to_string() }).collect())
            .unwrap_or_default()
    }

    /// Waits (up to 15 s) for an element matching `css` and returns the first.
    pub fn wait(&self, css: &str) -> Element<'_> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(e) = self.find_all(css).into_iter().next() {
                return e;
            }
            assert!(Instant::now() < deadline, "no element {css} appeared; page text: {}", self.page_text());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `check` holds, re-evaluating it every 100 ms for up to 15 s.
    pub fn until(&self, what: &str, check: impl FnMut(&Session) -> bool) {
        self.until_within(what, Duration::from_secs(15), check)
    }

    /// [`until`](Self::until), for as long as `limit`.
    pub fn until_within(&self, what: &str, limit: Duration, mut check: impl FnMut(&Session) -> bool) {
        let deadline = Instant::now() + limit;
        while !check(self) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}; page text: {}", self.page_text());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn by_testid(&self, id: &str) -> Element<'_> {
        self.wait(&format!("[data-testid='{id}']"))
    }

    pub fn count(&self, testid: &str) -> usize {
        self.find_all(&format!("[data-testid='{testid}']")).len()
    }

    pub fn exists(&self, testid: &str) -> bool {
        self.count(testid) > 0
    }

    pub fn execute(&self, script: &str, args: Value) -> Value {
        post(&self.url("/execute/sync"), &json!({ "script": script, "args": args })).unwrap_or(Value::Null)
    }

    /// Resizes the window (CSS pixels).
    pub fn resize(&self, width: u32, height: u32) {
        let _ = post(&self.url("/window/rect"), &json!({ "width": width, "height": height, "x": 0, "y": 0 }));
    }

    /// The window's place on the screen: x, y, width, height (WebDriver's window rect).
    pub fn rect(&self) -> (i64, i64, i64, i64) {
        let v = get(&self.url("/window/rect")).expect("the window's rect");
        let n = |k: &str| v[k].as_f64().map(|f| f.round() as i64).unwrap_or_else(|| panic!("no {k} in {v}"));
        (n("x"), n("y"), n("width"), n("height"))
    }

    pub fn page_text(&self) -> String {
        self.execute("return document.body ? document.body.innerText : ''", json!([])).as_str().unwrap_or("").to_string()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = ureq::delete(&format!("{}/session/{}", self.base, self.id)).call();
    }
}

pub struct Element<'s> {
    s: &'s Session,
    id: String,
}

impl Element<'_> {
    fn url(&self, path: &str) -> String {
        self.s.url(&format!("/element/{}{}", self.id, path))
    }
    pub fn click(&self) {
        post(&self.url("/click"), &json!({})).expect("click");
    }
    pub fn type_text(&self, text: &str) {
        post(&self.url("/value"), &json!({ "text": text })).expect("send keys");
    }
    /// Replaces the field's value as a user does: Ctrl+A, Backspace, then the new text.
    pub fn fill(&self, text: &str) {
        self.type_text("\u{E009}a\u{E009}\u{E003}");
        if !text.is_empty() {
            self.type_text(text);
        }
    }
    /// The element's rendered text (`innerText`).
    pub fn text(&self) -> String {
        self.s.execute("return arguments[0].innerText", json!([{ ELEMENT_KEY: self.id }])).as_str().unwrap_or_default().to_string()
    }
    /// Clicks the first button inside this element (a row's action button).
    pub fn click_button(&self) {
        self.s.execute("arguments[0].querySelector('button').click()", json!([{ ELEMENT_KEY: self.id }]));
    }

    /// Clicks the `n`th button inside this element (0-based).
    pub fn execute_click_nth(&self, n: usize) {
        self.s.execute("arguments[0].querySelectorAll('button')[arguments[1]].click()", json!([{ ELEMENT_KEY: self.id }, n]));
    }

    /// The text of the element's parent (a checkbox's label).
    pub fn parent_text(&self) -> String {
        self.s.execute("return arguments[0].parentElement.innerText", json!([{ ELEMENT_KEY: self.id }])).as_str().unwrap_or_default().to_string()
    }

    pub fn attr(&self, name: &str) -> Option<String> {
        get(&self.url(&format!("/attribute/{name}"))).ok().and_then(|v| v.as_str().map(str::to_string))
    }
    /// Chooses an option of a `<select>` by its value and tells the page.
    pub fn select(&self, value: &str) {
        self.s.execute(
            "const [el, v] = arguments; el.value = v; el.dispatchEvent(new Event('change', { bubbles: true })); el.dispatchEvent(new Event('input', { bubbles: true }));",
            json!([{ ELEMENT_KEY: self.id }, value]),
        );
    }
}

fn tauri_driver() -> String {
    if let Ok(p) = std::env::var("TAURI_DRIVER") {
        return p;
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cargo_bin = format!("{home}/.cargo/bin/tauri-driver");
    if Path::new(&cargo_bin).exists() {
        cargo_bin
    } else {
        "tauri-driver".into()
    }
}

fn unwrap_value(r: Result<ureq::Response, ureq::Error>) -> Result<Value, String> {
    match r {
        Ok(resp) => resp.into_json::<Value>().map(|v| v["value"].clone()).map_err(|e| e.to_string()),
        Err(ureq::Error::Status(code, resp)) => Err(format!("HTTP {code}: {}", resp.into_string().unwrap_or_default())),
        Err(e) => Err(e.to_string()),
    }
}

fn post(url: &str, body: &Value) -> Result<Value, String> {
    unwrap_value(ureq::post(url).timeout(Duration::from_secs(60)).send_json(body.clone()))
}

fn get(url: &str) -> Result<Value, String> {
    unwrap_value(ureq::get(url).timeout(Duration::from_secs(30)).call())
}

