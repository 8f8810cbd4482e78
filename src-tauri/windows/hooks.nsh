; NSIS hooks for the Windows installer (bundle.windows.nsis.installerHooks in tauri.conf.json).
;
; Tauri's uninstaller offers a "Delete the application data" / "删除应用程序数据" check box that
; removes %APPDATA%\cn.huka.app — the folder that holds the school's database (huka.db). One
; wrong tick would erase every household card, so the uninstaller ignores it: the school's data
; is removed only by deleting that folder by hand.
!macro NSIS_HOOK_PREUNINSTALL
  StrCpy $DeleteAppDataCheckboxState 0
!macroend
