//! `anomalousvalue`: values far from a field's usual ones.
//!
//! Docs: <https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/anomalousvalue>:
//! `anomalousvalue <av-options>... [action] [pthresh] [field-list]`,
//! av-options `minsupcount=<int>` (default 100), `maxanofreq=<float>`
//! (0.05), `minsupfreq=<float>` (0.05), `minnormfreq=<float>` (0.01);
//! `action=filter|annotate|summary` (default filter), `pthresh=<num>`
//! (default 0.01); an anomalous numeric field adds
//! `Anomaly_Score_Num(<field>)`, a non-numeric one `Anomaly_Score_Cat(<field>)`.
//!
//! The anomalydetection page says its `method=zscore` "performs like the
//! anomalousvalue command", so this command is that method with
//! anomalousvalue's own options; the rules (and the choices spelunk made
//! where the pages are silent, such as the scores' definitions) are
//! documented in [`crate::commands::anomalydetection`].

use crate::commands::anomalydetection::{Action, Anomalydetection, Method};
use crate::commands::common::{at_option, bad, count_opt, number_opt, option, unknown_option};
use crate::commands::CommandArgs;
use crate::error::Result;
use crate::source::Span;
use crate::syntax::lexer::Tok;
use crate::syntax::parser::Parser;

/// Parses `anomalousvalue`'s arguments into `anomalydetection method=zscore`.
pub fn parse(p: &mut Parser, _name_span: Span) -> Result<CommandArgs> {
    let c = "anomalousvalue";
    let mut out = Anomalydetection {
        method: Method::Zscore,
        action: Action::Filter,
        pthresh: None,
        cutoff: true,
        fields: Vec::new(),
        param: 2.5,
        uselower: false,
        mark: false,
        minsupcount: 100,
        minsupfreq: 0.05,
        maxanofreq: 0.05,
        minnormfreq: 0.01,
    };
    while !p.at_command_end() {
        if at_option(p) {
            let (key, value, span) = option(p)?;
            let fraction = |v: f64| {
                if (0.0..=1.0).contains(&v) {
                    Ok(v)
                } else {
                    Err(bad(c, format!("`{key}` must be between 0 and 1"), span))
                }
            };
            match key.as_str() {
                "action" => {
                    out.action = match value.to_ascii_lowercase().as_str() {
                        "filter" => Action::Filter,
                        "annotate" => Action::Annotate,
                        "summary" => Action::Summary,
                        _ => {
                            return Err(bad(
                                c,
                                format!(
                                    "`action` must be filter, annotate or summary, found `{value}`"
                                ),
                                span,
                            ))
                        }
                    }
                }
                "pthresh" => out.pthresh = Some(fraction(number_opt(c, &key, &value, span)?)?),
                "minsupcount" => out.minsupcount = count_opt(c, &key, &value, span)?,
                "minsupfreq" => out.minsupfreq = fraction(number_opt(c, &key, &value, span)?)?,
                "maxanofreq" => out.maxanofreq = fraction(number_opt(c, &key, &value, span)?)?,
                "minnormfreq" => out.minnormfreq = fraction(number_opt(c, &key, &value, span)?)?,
                _ => return Err(unknown_option(c, &key, span)),
            }
            continue;
        }
        if p.eat(&Tok::Comma) {
            continue;
        }
        out.fields.push(p.field_name("a field name")?.0);
    }
    Ok(CommandArgs::Anomalydetection(out))
}

/// The registry entries of `anomalousvalue`: names, aliases and parsers.
pub const SPECS: &[super::CommandSpec] = &[
    super::CommandSpec {
        name: "anomalousvalue",
        aliases: &[],
        parse,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Anomalydetection> {
        let pipeline = crate::syntax::parse(text)?;
        match pipeline.commands.into_iter().nth(1).map(|c| c.args) {
            Some(CommandArgs::Anomalydetection(a)) => Ok(a),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn is_anomalydetection_zscore_with_the_pages_defaults() {
        let a = parsed("a=1 | anomalousvalue action=annotate pthresh=0.02 bytes").expect("parses");
        assert_eq!(a.method, Method::Zscore);
        assert_eq!(a.action, Action::Annotate);
        assert_eq!(a.pthresh, Some(0.02));
        assert_eq!(a.minsupcount, 100);
        assert_eq!(a.fields, ["bytes"]);
    }

    #[test]
    fn rejects_other_commands_options() {
        assert!(parsed("a=1 | anomalousvalue method=iqr bytes").is_err());
        assert!(parsed("a=1 | anomalousvalue maxanofreq=2 bytes").is_err());
    }
}
