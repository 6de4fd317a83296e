mod common;
include!("differential_probe.inc");
