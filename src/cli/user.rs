//! Who is doing this: the default for `--by`.

/// The operating-system user: `$USER`, `$LOGNAME` (cron sets this), `$USERNAME`, else the name of the
/// owner of this process looked up in `/etc/passwd`, else `uid:N`, else `unknown`.
pub fn os_user() -> String {
    for var in ["USER", "LOGNAME", "USERNAME"] {
        if let Ok(v) = std::env::var(var) {
            let v = v.trim();
            if !v.is_empty() {
                return v.to_string();
            }
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata("/proc/self") {
            let uid = m.uid();
            let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
            for line in passwd.lines() {
                let mut f = line.split(':');
                let (Some(name), _, Some(id)) = (f.next(), f.next(), f.next()) else {
                    continue;
                };
                if id == uid.to_string() {
                    return name.to_string();
                }
            }
            return format!("uid:{uid}");
        }
    }
    "unknown".to_string()
}
