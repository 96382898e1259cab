//! Parquet at an `s3://` URL (issue 20): the test starts an S3-compatible
//! server (moto's server mode, from PyPI), puts a Parquet file
//! `spelunk parquet` wrote there, and the seed and the CloudTrail sample's
//! searches over `s3://bucket/key` (and over the bucket's prefix) must give
//! the rows the interpreter gives over the NDJSON.
//!
//! Needs `SPELUNK_MOTO_PYTHON`: a Python with `moto[server]` and boto3
//! (`.ci/run` makes one). Without it the test says it was skipped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use spelunk::output::row_to_json;
use spelunk::{Engine, EventSource};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A moto server, stopped when dropped.
struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn rows(results: &spelunk::SearchResults) -> Vec<String> {
    results
        .rows
        .iter()
        .map(|r| row_to_json(r).to_string())
        .collect()
}

#[test]
fn parquet_at_an_s3_url_gives_the_interpreters_rows() {
    let Ok(python) = std::env::var("SPELUNK_MOTO_PYTHON") else {
        eprintln!(
            "skipped: SPELUNK_MOTO_PYTHON (a Python with moto[server]) is not set; .ci/run sets it"
        );
        return;
    };
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let _server = Moto(
        Command::new(&python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto's server starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto's server did not listen");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The crate reads these (object_store's AmazonS3Builder::from_env);
    // this test is the only one in its process.
    for (name, value) in [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ] {
        std::env::set_var(name, value);
    }

    let engine = Arc::new(Engine::new().expect("the bundled knowledge loads"));
    let sample = EventSource {
        path: Some(root().join("examples/cloudtrail_sample.json")),
        sourcetype: "aws:cloudtrail".into(),
        ..EventSource::default()
    };
    let scratch = std::env::temp_dir().join(format!("spelunk-s3-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch folder");
    let local = scratch.join("cloudtrail.parquet");
    spelunk_datafusion::write_parquet(Arc::clone(&engine), std::slice::from_ref(&sample), &local)
        .expect("the sample converts");
    let upload = format!(
        "import boto3\n\
         s3 = boto3.client('s3', endpoint_url='{endpoint}', region_name='us-east-1',\n\
             aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         s3.create_bucket(Bucket='events')\n\
         s3.upload_file('{}', 'events', 'cloudtrail/part-0.parquet')\n",
        local.display()
    );
    let status = Command::new(&python)
        .args(["-c", &upload])
        .status()
        .expect("python runs");
    assert!(status.success(), "the upload to moto failed");

    let searches = [
        std::fs::read_to_string(root().join("tests/cases/seed_sample/query.spl"))
            .expect("the seed"),
        "`cloudtrail` eventName=Describe* | stats count dc(eventName) as names by user".to_string(),
        "`cloudtrail` | table _time user eventName".to_string(),
    ];
    for text in &searches {
        let query = engine.compile(text, "<search>").expect("compiles");
        let interpreted = engine
            .run_sources(&query, std::slice::from_ref(&sample))
            .expect("the interpreter runs");
        assert!(
            !interpreted.results.rows.is_empty(),
            "{text}: no rows to compare"
        );
        for url in [
            "s3://events/cloudtrail/part-0.parquet",
            "s3://events/cloudtrail/",
        ] {
            let remote = EventSource {
                path: Some(PathBuf::from(url)),
                ..EventSource::default()
            };
            let run = spelunk_datafusion::run(
                Arc::clone(&engine),
                &query,
                &[remote],
                &spelunk_datafusion::Options { threads: 2 },
            )
            .unwrap_or_else(|d| panic!("{text} over {url}: {}", d.error));
            assert_eq!(
                rows(&run.output.results),
                rows(&interpreted.results),
                "{text} over {url}"
            );
            assert!(
                !run.placement.datafusion.is_empty(),
                "{text}: nothing ran on DataFusion"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
