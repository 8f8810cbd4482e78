//! Windows only: the window needs Microsoft's WebView2 runtime. Windows 11 has it; an old,
//! never-updated Windows 10 at a village school may not, and without the internet the PC
//! cannot fetch it. Then Huka says so, in one sentence, in a message box (and on stderr) and
//! stops, instead of failing somewhere inside WebView2's loader.

use windows_sys::Win32::UI::WindowsAndMessaging::{MessageBoxW, MB_ICONERROR, MB_OK, MB_SETFOREGROUND};

/// The sentence shown when the runtime is missing (the installer's hook says the same).
pub const MISSING: &str = "本机缺少 WebView2 运行时，户卡的窗口无法打开：请在联网的电脑上打开微软的 WebView2 下载页面，下载“常青版独立安装程序”（Evergreen Standalone Installer）的 x64 版，用 U 盘拷到本机运行安装后再打开户卡。";

/// The exit code of the window when the runtime is missing.
pub const EXIT_MISSING: i32 = 3;

/// The installed runtime's version, if there is one.
pub fn runtime_version() -> Option<String> {
    tauri::webview_version().ok().filter(|v| !v.trim().is_empty() && v.trim() != "0.0.0.0")
}

/// True when the WebView2 runtime is installed. When it is not: says so on stderr and in a
/// native message box, and returns false (the caller stops).
pub fn ensure_runtime() -> bool {
    if runtime_version().is_some() {
        return true;
    }
    eprintln!("{MISSING}");
    let text: Vec<u16> = MISSING.encode_utf16().chain(Some(0)).collect();
    let title: Vec<u16> = "户卡 Huka".encode_utf16().chain(Some(0)).collect();
    // SAFETY: both strings are NUL-terminated UTF-16 that outlive the call; no owner window.
    unsafe {
        MessageBoxW(std::ptr::null_mut(), text.as_ptr(), title.as_ptr(), MB_OK | MB_ICONERROR | MB_SETFOREGROUND);
    }
    false
}
