//! The real `rally-server` binary, on a free loopback port, over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[test]
fn the_binary_starts_on_an_empty_folder_and_answers_health() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rally-server"))
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(data.path().join("relay"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("start rally-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("banner");
    let addr =
        line.split("http://").nth(1).and_then(|s| s.split_whitespace().next()).expect("address in banner").to_string();

    let response = get(&addr, "/api/v1/health");
    let _ = child.kill();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body: serde_json::Value = serde_json::from_str(response.split("\r\n\r\n").nth(1).expect("body")).expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["schema_version"], rally_server::database::SCHEMA_VERSION);
    assert!(data.path().join("relay").join("relay.sqlite3").exists());
}
