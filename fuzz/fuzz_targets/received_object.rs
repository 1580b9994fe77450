//! Arbitrary bytes as the data set of a C-STORE that `lungfield listen` receives, in either
//! uncompressed transfer syntax: `check_object` answers a status or accepts a file that then
//! decodes; it never panics and never allocates what the bytes merely declare.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lungfield::listen::dimse::{Command, C_STORE_RQ};
use lungfield::listen::scp::check_object;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.dcm");
    let cmd = Command {
        field: C_STORE_RQ,
        message_id: 1,
        sop_class: "1.2.840.10008.5.1.4.1.1.1.1".into(),
        sop_instance: "1.2.826.0.1.3680043.10.543.3.1".into(),
        has_data: true,
    };
    for ts in ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"] {
        if let Ok((file, _)) = check_object(data, &cmd, ts, path) {
            assert!(lungfield::io::decode_dicom(&file, path).is_ok());
        }
    }
});
