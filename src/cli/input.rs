//! Reading what the user hands a command beyond its arguments.

use std::io::Read;

use anyhow::Result;

use super::CliError;

/// Read `-` as stdin.
pub fn read_body(arg: &str) -> Result<String> {
    if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::Failed(format!("cannot read the body from stdin: {e}")))?;
        Ok(s)
    } else {
        Ok(arg.to_string())
    }
}
