; Huka's Windows installer, built by scripts/package-windows.sh with Debian's makensis.
;
; Why our own script and not the Tauri bundler's: on a Linux build machine tauri-bundler 2.10
; (tauri-cli 2.12) always downloads its NSIS plugin nsis_tauri_utils.dll from GitHub and checks
; its SHA-1, and this build machine reaches only package registries (docs/windows.md). This
; script needs only what Debian's `nsis` package has (MUI2, LogicLib, FileFunc, WinVer).
;
; The values come from `defines.nsh`, written by package-windows.sh from tauri.conf.json merged
; with tauri.windows.conf.json (productName, version, identifier, publisher, bundle.windows.nsis):
;   PRODUCT, VERSION, VERSION4, IDENTIFIER, PUBLISHER, STAGE (the folder with the files to
;   install), ICON, HOOKS (installerHooks), LANGUAGE, COMPRESSOR, OUTFILE, INSTALL_DIR_NAME,
;   MAIN_EXE, ESTIMATED_KB.
;
; Per user, no administrator: the program goes to %LOCALAPPDATA%\Programs\<INSTALL_DIR_NAME>,
; the Start-menu entry to the user's Start menu, the uninstaller into "Apps" (HKCU). The
; school's data in %APPDATA%\cn.huka.app is never touched, neither by an upgrade nor by the
; uninstaller.

; A 64-bit installer (Debian's nsis has the amd64-unicode stubs and plugins): Huka runs only on
; 64-bit Windows anyway, the registry and folders are seen as Huka sees them, and no 32-bit
; layer (WoW64) is needed — Wine runs it without its 32-bit part.
Target amd64-unicode
!include "defines.nsh"
!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

SetCompressor /SOLID ${COMPRESSOR}
Name "${PRODUCT}"
Caption "${PRODUCT} ${VERSION}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
ManifestDPIAware true
InstallDir "$LOCALAPPDATA\Programs\${INSTALL_DIR_NAME}"
; An earlier installation is upgraded where it is.
InstallDirRegKey HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\${IDENTIFIER}" "InstallLocation"
ShowInstDetails show
ShowUninstDetails show
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VERSION4}"
VIAddVersionKey /LANG=0 "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=0 "FileDescription" "${PRODUCT} ${VERSION} 安装程序"
VIAddVersionKey /LANG=0 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=0 "LegalCopyright" "${PUBLISHER}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${IDENTIFIER}"
!define SHORTCUT "$SMPROGRAMS\${PRODUCT}.lnk"

; Tauri's installer has this check box variable; hooks.nsh sets it (kept for the bundler's
; template too). This installer never deletes the application's data whatever its value.
Var DeleteAppDataCheckboxState

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${MAIN_EXE}"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "${LANGUAGE}"

!include "${HOOKS}"

Function .onInit
  SetShellVarContext current
FunctionEnd

Function un.onInit
  SetShellVarContext current
FunctionEnd

Section "Install"
  !ifmacrodef NSIS_HOOK_PREINSTALL
    !insertmacro NSIS_HOOK_PREINSTALL
  !endif
  SetOutPath "$INSTDIR"
  ; Every file of the staging folder: the window (also the `huka` command line), huka.exe (its
  ; console front) and WebView2Loader.dll.
  File /r "${STAGE}/*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "${SHORTCUT}" "$INSTDIR\${MAIN_EXE}" "" "$INSTDIR\${MAIN_EXE}" 0

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$\"$INSTDIR\${MAIN_EXE}$\""
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" "$\"$INSTDIR\uninstall.exe$\""
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" "$\"$INSTDIR\uninstall.exe$\" /S"
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" ${ESTIMATED_KB}

  !ifmacrodef NSIS_HOOK_POSTINSTALL
    !insertmacro NSIS_HOOK_POSTINSTALL
  !endif
SectionEnd

Section "Uninstall"
  StrCpy $DeleteAppDataCheckboxState 0
  !ifmacrodef NSIS_HOOK_PREUNINSTALL
    !insertmacro NSIS_HOOK_PREUNINSTALL
  !endif
  ; Only the program's own files; %APPDATA%\cn.huka.app (the database, its keys, the
  ; automatic backups) stays.
  Delete "$INSTDIR\huka-app.exe"
  Delete "$INSTDIR\huka.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "${SHORTCUT}"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  !ifmacrodef NSIS_HOOK_POSTUNINSTALL
    !insertmacro NSIS_HOOK_POSTUNINSTALL
  !endif
SectionEnd
