; NSIS hooks for the Windows installer (bundle.windows.nsis.installerHooks in
; tauri.windows.conf.json). Used by scripts/windows/installer.nsi (the installer built here)
; and, unchanged, by the Tauri bundler's own template on a machine with internet access.

; Tauri's uninstaller offers a "Delete the application data" / "删除应用程序数据" check box that
; removes %APPDATA%\cn.huka.app — the folder that holds the school's database (huka.db). One
; wrong tick would erase every household card, so the uninstaller ignores it: the school's data
; is removed only by deleting that folder by hand.
!macro NSIS_HOOK_PREUNINSTALL
  StrCpy $DeleteAppDataCheckboxState 0
!macroend

; WebView2: the window needs Microsoft's WebView2 runtime. Windows 11 has it; an old offline
; Windows 10 may not, and this installer does not carry it (webviewInstallMode "skip"). The
; check is Microsoft's documented one: a version ("pv") under the runtime's EdgeUpdate client
; key, per machine (64-bit Windows keeps it under WOW6432Node) or per user. When it is missing
; the installer says, in one sentence, where the offline installer comes from, and installs
; Huka all the same (it works once the runtime is installed).
!define HUKA_WEBVIEW2_CLIENT "Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define HUKA_WEBVIEW2_MISSING "本机缺少 WebView2 运行时，户卡的窗口无法打开：请在联网的电脑上打开微软的 WebView2 下载页面，下载“常青版独立安装程序”（Evergreen Standalone Installer）的 x64 版，用 U 盘拷到本机运行安装后再打开户卡。"

!macro NSIS_HOOK_PREINSTALL
  Push $R0
  ReadRegStr $R0 HKLM "SOFTWARE\WOW6432Node\${HUKA_WEBVIEW2_CLIENT}" "pv"
  ${If} $R0 == ""
  ${OrIf} $R0 == "0.0.0.0"
    ReadRegStr $R0 HKCU "Software\${HUKA_WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $R0 == ""
  ${OrIf} $R0 == "0.0.0.0"
    ReadRegStr $R0 HKLM "SOFTWARE\${HUKA_WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $R0 == ""
  ${OrIf} $R0 == "0.0.0.0"
    DetailPrint "${HUKA_WEBVIEW2_MISSING}"
    MessageBox MB_OK|MB_ICONEXCLAMATION "${HUKA_WEBVIEW2_MISSING}" /SD IDOK
  ${Else}
    DetailPrint "WebView2 $R0"
  ${EndIf}
  Pop $R0
!macroend
