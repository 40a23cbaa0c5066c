//! Where reports go: the files of `-o [FORMAT=]PATH`, opened before any
//! analysis starts (a bad path fails in milliseconds, not after a long
//! run), and standard output unless every `-o` names its format.

use super::AppError;
use crate::cli::{ColorChoice, OutputArgs};
use crate::model::Recording;
use crate::report::{Format, Render, Report, html};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};

/// The report's destinations, with their files already created.
pub struct Outputs {
    /// Each file's format, whether it may be coloured (its format came
    /// from `--format`), its path as given and the file.
    files: Vec<(Format, bool, String, BufWriter<File>)>,
    /// The format of standard output, when the report goes there too.
    stdout: Option<Format>,
    color: bool,
}

impl Outputs {
    /// Creates every output file (its directory must exist) and decides
    /// colour: `auto` colours text on a terminal, unless `NO_COLOR` is set.
    pub fn open(args: &OutputArgs) -> Result<Outputs, AppError> {
        let to_stdout = args.output.iter().all(|o| o.format.is_some());
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                to_stdout
                    && args.format == Format::Text
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        };
        let files = args
            .output
            .iter()
            .map(|output| {
                let shown = output.path.display().to_string();
                let file = File::create(&output.path).map_err(|source| AppError::Output {
                    path: shown.clone(),
                    source,
                })?;
                Ok((
                    output.format.unwrap_or(args.format),
                    output.format.is_none(),
                    shown,
                    BufWriter::new(file),
                ))
            })
            .collect::<Result<_, AppError>>()?;
        Ok(Outputs {
            files,
            stdout: to_stdout.then_some(args.format),
            color,
        })
    }

    /// Renders the report into every destination. Colour goes to standard
    /// output only, and to a file only when its format came from
    /// `--format` with `--color always`. The HTML page also draws the
    /// recording, when there is one, with the config's redaction.
    pub fn write(
        self,
        report: &Report,
        recording: Option<&Recording>,
        redact: &dyn Fn(&mut String),
        stdout: &mut dyn Write,
    ) -> Result<(), AppError> {
        let renderer = |format: Format, color: bool| -> Box<dyn Render + '_> {
            match recording {
                Some(rec) => html::renderer(format, color, rec, redact),
                None => format.renderer(color),
            }
        };
        for (format, colourable, path, mut file) in self.files {
            let output_error = |source| AppError::Output {
                path: path.clone(),
                source,
            };
            renderer(format, self.color && colourable)
                .render(report, &mut file)
                .map_err(output_error)?;
            file.flush().map_err(output_error)?;
        }
        if let Some(format) = self.stdout {
            renderer(format, self.color).render(report, stdout)?;
            stdout.flush()?;
        }
        Ok(())
    }
}
