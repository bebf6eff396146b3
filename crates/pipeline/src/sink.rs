//! Alert sinks: where alerts go after their batch committed.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

use trendwatch_model::Alert;

use crate::PipelineError;

/// A destination for alerts (the alert contract: one JSON object per alert).
pub trait AlertSink: Send {
    /// The sink's name, for errors and the outbox.
    fn name(&self) -> &str;
    /// Delivers one alert.
    fn send(&mut self, alert: &Alert) -> Result<(), PipelineError>;
}

/// Writes alerts as JSON lines to any writer (stdout in the CLI).
pub struct WriterSink<W: Write + Send> {
    name: String,
    writer: W,
}

impl<W: Write + Send> WriterSink<W> {
    /// A sink writing JSON lines to `writer`, flushing after each alert.
    pub fn new(name: impl Into<String>, writer: W) -> Self {
        WriterSink {
            name: name.into(),
            writer,
        }
    }
}

fn alert_json(alert: &Alert) -> Result<String, PipelineError> {
    serde_json::to_string(alert).map_err(|e| PipelineError::Sink {
        sink: "json".into(),
        detail: e.to_string(),
    })
}

impl<W: Write + Send> AlertSink for WriterSink<W> {
    fn name(&self) -> &str {
        &self.name
    }

    fn send(&mut self, alert: &Alert) -> Result<(), PipelineError> {
        let line = alert_json(alert)?;
        writeln!(self.writer, "{line}")
            .and_then(|()| self.writer.flush())
            .map_err(|e| PipelineError::Sink {
                sink: self.name.clone(),
                detail: e.to_string(),
            })
    }
}

/// Appends alerts as JSON lines to a file (never truncates it): a [`WriterSink`] over the file.
pub type FileSink = WriterSink<BufWriter<File>>;

impl WriterSink<BufWriter<File>> {
    /// Opens `path` for appending, creating it if needed.
    pub fn open(path: &Path) -> Result<Self, PipelineError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| PipelineError::Sink {
                sink: path.display().to_string(),
                detail: e.to_string(),
            })?;
        Ok(WriterSink::new(
            format!("file:{}", path.display()),
            BufWriter::new(file),
        ))
    }
}
