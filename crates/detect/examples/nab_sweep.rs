//! Development helper: scores every `*.csv` of a folder with a detector configuration given
//! as JSON overrides of the default (`nab_sweep IN_DIR OUT_DIR ['{"score_half_z":5}']`).
//! The product and `trendwatch detect` always use `DetectorConfig::default()`.

use std::path::Path;

use trendwatch_detect::DetectorConfig;
use trendwatch_detect::series::detect_csv;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: nab_sweep IN_DIR OUT_DIR [JSON_OVERRIDES]".into());
    }
    let mut config = serde_json::to_value(DetectorConfig::default())?;
    if let Some(overrides) = args.get(3) {
        let o: serde_json::Value = serde_json::from_str(overrides)?;
        if let (Some(c), Some(o)) = (config.as_object_mut(), o.as_object()) {
            for (k, v) in o {
                c.insert(k.clone(), v.clone());
            }
        }
    }
    let config: DetectorConfig = serde_json::from_value(config)?;
    std::fs::create_dir_all(&args[2])?;
    let mut entries: Vec<_> = std::fs::read_dir(&args[1])?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("csv") {
            continue;
        }
        let text = std::fs::read_to_string(&p)?;
        let out = detect_csv(&config, &p.display().to_string(), &text)?;
        std::fs::write(Path::new(&args[2]).join(e.file_name()), out)?;
    }
    Ok(())
}
