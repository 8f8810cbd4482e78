//! The main window fits the screen it opens on. Schools' laptops have 1366×768 screens, often
//! at 125 % (about 1093×614 CSS pixels, less the taskbar): a fixed 1280×800 window ran past
//! the bottom there, and with no window manager its top was cut off. The window is created
//! hidden (`"visible": false` in `tauri.conf.json`), sized here from the work area of its
//! monitor, then shown.
//!
//! [`fit`] is the decision, a pure function of the preferred size, the minimum size, the work
//! area and the scale factor; [`place`] reads the monitor and applies it.

use tauri::{LogicalSize, Manager, PhysicalPosition, PhysicalSize, Runtime, WebviewWindow};

/// The size the window would like (CSS pixels), as in `tauri.conf.json`.
pub const PREFERRED: (f64, f64) = (1280.0, 800.0);
/// The smallest the window may be made (CSS pixels): below the 1024×600 every page is laid out
/// for, so a 1366×768 screen at 125 % with its taskbar still holds it.
pub const MINIMUM: (f64, f64) = (960.0, 540.0);
/// Room a window manager's title bar and borders take around the page (CSS pixels): a window
/// that would not fit with them is maximized instead.
pub const FRAME: (f64, f64) = (16.0, 40.0);

/// A rectangle in physical pixels (the monitor's work area, a window's place).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// Where the window goes: its place in physical pixels, whether it is maximized, and its
/// minimum size in CSS pixels (never more than the work area holds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub rect: Rect,
    pub maximize: bool,
    pub min: (f64, f64),
}

/// Decides the window's place on a monitor whose work area (physical pixels) and scale factor
/// are given. A work area that holds `preferred` with a window frame around it gets a window
/// of that size, centred; a smaller one gets a maximized window, which is also given the whole
/// work area explicitly (with no window manager, maximizing does nothing). The window is
/// never larger than the work area, nor its minimum size.
pub fn fit(preferred: (f64, f64), minimum: (f64, f64), work: Rect, scale: f64) -> Placement {
    let scale = if scale.is_finite() && scale > 0.0 { scale } else { 1.0 };
    let (work_w, work_h) = (work.width as f64 / scale, work.height as f64 / scale);
    let min = (minimum.0.min(work_w).floor(), minimum.1.min(work_h).floor());
    let fits = work_w >= preferred.0 + FRAME.0 && work_h >= preferred.1 + FRAME.1;
    if !fits {
        return Placement { rect: work, maximize: true, min };
    }
    let width = ((preferred.0 * scale).round() as u32).min(work.width);
    let height = ((preferred.1 * scale).round() as u32).min(work.height);
    let x = work.x + ((work.width - width) / 2) as i32;
    let y = work.y + ((work.height - height) / 2) as i32;
    Placement { rect: Rect { x, y, width, height }, maximize: false, min }
}

/// Sizes and places the (hidden) window on the monitor it is on — else the primary one — and
/// shows it. Without a monitor to ask, the window keeps its configured size.
pub fn place<R: Runtime>(window: &WebviewWindow<R>) -> tauri::Result<()> {
    let monitor = match window.current_monitor()? {
        Some(m) => Some(m),
        None => window.app_handle().primary_monitor()?,
    };
    if let Some(monitor) = monitor {
        let area = monitor.work_area();
        let work = Rect { x: area.position.x, y: area.position.y, width: area.size.width, height: area.size.height };
        let p = fit(PREFERRED, MINIMUM, work, monitor.scale_factor());
        window.set_min_size(Some(LogicalSize::new(p.min.0, p.min.1)))?;
        window.set_size(PhysicalSize::new(p.rect.width, p.rect.height))?;
        window.set_position(PhysicalPosition::new(p.rect.x, p.rect.y))?;
        window.show()?;
        // After showing: on X11, maximizing a window not yet mapped marks it maximized
        // without asking anyone, and with no window manager that would stick.
        if p.maximize {
            window.maximize()?;
        }
        return Ok(());
    }
    window.show()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(width: u32, height: u32) -> Rect {
        Rect { x: 0, y: 0, width, height }
    }

    fn within(p: &Placement, w: Rect) {
        assert!(p.rect.x >= w.x && p.rect.y >= w.y, "{p:?} starts inside {w:?}");
        assert!(p.rect.x + p.rect.width as i32 <= w.x + w.width as i32, "{p:?} ends inside {w:?} (width)");
        assert!(p.rect.y + p.rect.height as i32 <= w.y + w.height as i32, "{p:?} ends inside {w:?} (height)");
    }

    #[test]
    fn a_large_screen_gets_the_preferred_size_centred() {
        let w = Rect { x: 0, y: 0, width: 1920, height: 1040 };
        let p = fit(PREFERRED, MINIMUM, w, 1.0);
        assert!(!p.maximize);
        assert_eq!(p.rect, Rect { x: 320, y: 120, width: 1280, height: 800 });
        assert_eq!(p.min, MINIMUM);
        within(&p, w);
    }

    #[test]
    fn a_1366x768_screen_is_filled() {
        // The taskbar at the bottom: 40 px.
        let w = work(1366, 728);
        let p = fit(PREFERRED, MINIMUM, w, 1.0);
        assert!(p.maximize);
        assert_eq!(p.rect, w);
        assert_eq!(p.min, MINIMUM);
    }

    #[test]
    fn at_125_percent_the_size_is_compared_in_css_pixels() {
        // 1920×1080 at 125 % is 1536×864 CSS pixels: room for 1280×800 and its frame; the
        // window is 1600×1000 physical pixels.
        let w = work(1920, 1080);
        let p = fit(PREFERRED, MINIMUM, w, 1.25);
        assert!(!p.maximize);
        assert_eq!((p.rect.width, p.rect.height), (1600, 1000));
        within(&p, w);
        // Less a 48-pixel taskbar it is 1536×825.6: no room for the frame — maximized.
        let w = work(1920, 1032);
        let p = fit(PREFERRED, MINIMUM, w, 1.25);
        assert!(p.maximize);
        assert_eq!(p.rect, w);
    }

    #[test]
    fn the_minimum_never_exceeds_a_small_work_area() {
        // 1366×768 at 125 % with a 48 px taskbar: 1092.8×576 CSS pixels.
        let p = fit(PREFERRED, MINIMUM, work(1366, 720), 1.25);
        assert!(p.maximize);
        assert_eq!(p.min, (960.0, 540.0));
        // 1024×600 at 125 % (a netbook): 819×480.
        let w = work(1024, 600);
        let p = fit(PREFERRED, MINIMUM, w, 1.25);
        assert!(p.maximize);
        assert_eq!(p.rect, w);
        assert_eq!(p.min, (819.0, 480.0));
        assert!(MINIMUM.0 <= 1024.0 && MINIMUM.1 <= 600.0);
    }

    #[test]
    fn a_work_area_off_the_origin_is_kept() {
        // A second monitor to the right, a panel at its top.
        let w = Rect { x: 1920, y: 32, width: 1366, height: 736 };
        let p = fit(PREFERRED, MINIMUM, w, 1.0);
        assert!(p.maximize);
        assert_eq!(p.rect, w);
        let w = Rect { x: -1920, y: 27, width: 1920, height: 1053 };
        let p = fit(PREFERRED, MINIMUM, w, 1.0);
        assert!(!p.maximize);
        within(&p, w);
    }

    #[test]
    fn just_large_enough_and_just_too_small() {
        let p = fit(PREFERRED, MINIMUM, work(1296, 840), 1.0);
        assert!(!p.maximize);
        let p = fit(PREFERRED, MINIMUM, work(1296, 839), 1.0);
        assert!(p.maximize);
        let p = fit(PREFERRED, MINIMUM, work(1295, 1000), 1.0);
        assert!(p.maximize);
    }

    #[test]
    fn a_nonsense_scale_is_read_as_one() {
        let p = fit(PREFERRED, MINIMUM, work(1920, 1080), 0.0);
        assert!(!p.maximize);
        assert_eq!((p.rect.width, p.rect.height), (1280, 800));
    }
}
