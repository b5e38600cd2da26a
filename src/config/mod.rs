//! Configuration: the typed, Timebeat-compatible model and its loader.
//!
//! The file is YAML with Timebeat's keys (`timebeat:`, also `shiwa:`), and Beats-style dotted
//! keys (`output.elasticsearch:`) mean the same as nested ones. Loading reports every problem
//! at once as `FILE:LINE:COL: key.path: message`; keys Timebeat defines that shiwa does not
//! implement yet load with a warning and are kept for exports.
//!
//! Pipeline: `load` reads the file (size, encoding, permissions) → `tree` parses it keeping
//! positions and expands dotted keys → `de` fills the `model` structs → `validate` checks what
//! spans several keys. `document` turns the model back into JSON/YAML; `transfer` is
//! `export config` / `import config`.

mod de;
mod diagnostic;
mod document;
mod http;
mod known;
mod load;
mod model;
mod outputs;
mod shipping;
mod sources;
pub mod transfer;
mod tree;
mod validate;
mod values;

pub use diagnostic::{ConfigError, Diagnostic, Pos, Severity};
pub use document::{to_document, to_yaml};
pub use http::{HttpAuthConfig, HttpTlsConfig};
pub use load::{
    DEFAULT_PATHS, LoadedConfig, MAX_CONFIG_BYTES, load_bytes, load_file, load_str,
    load_typed_file, resolve_path,
};
pub use model::{
    AdvancedConfig, AgentConfig, CliConfig, ClockSyncConfig, Config, HttpConfig, HubConfig,
    HubSpoolConfig, LinuxSpecificConfig,
};
pub use outputs::{
    BackoffConfig, ElasticsearchConfig, HttpScheme, MonitoringConfig, OutputConfig, SslConfig,
    VerificationMode,
};
pub use shipping::{ByteSize, DiskQueueConfig, QueueConfig, SetupConfig, TemplateConfig, WhenFull};
pub use sources::{DelayStrategy, EdgeMode, Protocol, SourceConfig};
pub use values::{ConfigDuration, KeySource, LogInterval, Port, StepLimit};

#[cfg(test)]
mod tests;
