//! [`ServerProcess`]: the real `clearline demo` binary on a free loopback port with a fresh data dir.

use super::free_port;
use serde_json::Value;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the demo may take to seed and start listening.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// One demo user, as written to `<data-dir>/demo-credentials.json` by `clearline demo`.
#[derive(Clone, Debug)]
pub struct DemoCredential {
    pub email: String,
    pub password: String,
    /// Base32 TOTP secret for roles that need a second factor.
    pub totp_secret: Option<String>,
    /// The role, snake_case (`owner`, `agent`, `vendor_admin`, ...).
    pub role: String,
    /// The organization's slug (`demo`, `granite-calls`, `lakeshore-contact`, `deployment`).
    pub organization: String,
}

/// A running `clearline --data-dir <tmp> demo --listen 127.0.0.1:<port>`; killed on drop.
pub struct ServerProcess {
    child: Child,
    base_url: String,
    credentials: Vec<DemoCredential>,
    log_path: PathBuf,
    // Dropped last: the data directory outlives the process using it.
    data_dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts the demo on the embedded SQLite database.
    pub async fn start() -> ServerProcess {
        ServerProcess::start_with(None).await
    }

    /// Starts the demo, on PostgreSQL when `database_url` is given, else on SQLite.
    pub async fn start_with(database_url: Option<&str>) -> ServerProcess {
        ServerProcess::start_node(database_url, &[], true).await
    }

    /// Starts one node: `demo` (seeds, then serves) when `seed`, else plain `serve` with no demo
    /// credentials. `env` adds environment variables (e.g. `CLEARLINE_POSTGRES_SCHEMA`, so that several
    /// nodes share one test schema).
    pub async fn start_node(database_url: Option<&str>, env: &[(&str, &str)], seed: bool) -> ServerProcess {
        // The browser tests start the demo programs themselves; no live calling under them.
        ServerProcess::launch(database_url, env, seed.then_some(&["--no-calling"][..])).await
    }

    /// Starts the demo on SQLite with its live calling, with these `demo` flags (e.g. `--bots-per-vendor
    /// 0`, `--calling-at`).
    pub async fn start_calling_demo(demo_args: &[&str]) -> ServerProcess {
        ServerProcess::launch(None, &[], Some(demo_args)).await
    }

    /// Starts the demo with its live calling on this database (`env`: the schema, the shared master
    /// key), with these `demo` flags: one node of several calling the same programs. A node joining
    /// one already seeded is given its demo credentials (`joining`), which its seeding checks.
    pub async fn start_calling_node(
        database_url: &str,
        env: &[(&str, &str)],
        demo_args: &[&str],
        joining: Option<&ServerProcess>,
    ) -> ServerProcess {
        let credentials = joining.map(|node| {
            std::fs::read(node.data_dir().join("demo-credentials.json")).expect("the first node's demo credentials")
        });
        ServerProcess::launch_in(Some(database_url), env, Some(demo_args), credentials.as_deref()).await
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the process stops mid-whatever, no cleanup runs.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill the server");
        self.child.wait().expect("reap the server");
    }

    /// `demo_args`: `demo` with these flags; `None`: plain `serve`.
    async fn launch(database_url: Option<&str>, env: &[(&str, &str)], demo_args: Option<&[&str]>) -> ServerProcess {
        ServerProcess::launch_in(database_url, env, demo_args, None).await
    }

    /// `credentials`: the demo credentials file to start from (a node joining a seeded database).
    async fn launch_in(
        database_url: Option<&str>,
        env: &[(&str, &str)],
        demo_args: Option<&[&str]>,
        credentials: Option<&[u8]>,
    ) -> ServerProcess {
        let seed = demo_args.is_some();
        let mut data_dir = tempfile::tempdir().expect("a temporary data directory");
        if let Some(bytes) = credentials {
            std::fs::write(data_dir.path().join("demo-credentials.json"), bytes).expect("write the demo credentials");
        }
        let log_path = data_dir.path().join("server.log");
        // The port is free when chosen, but the server binds it only after seeding, seconds later: another
        // test's process may take it meanwhile. Then it starts again on another port (the demo's seeding
        // is idempotent, so the same data directory serves).
        for attempt in 1..=5 {
            let port = free_port();
            let listen = format!("127.0.0.1:{port}");
            let log = File::create(&log_path).expect("create the server log");
            let mut command = Command::new(env!("CARGO_BIN_EXE_clearline"));
            command.arg("--data-dir").arg(data_dir.path());
            if let Some(url) = database_url {
                command.arg("--database-url").arg(url);
            }
            command.envs(env.iter().copied());
            command.arg(if seed { "demo" } else { "serve" });
            command.args(demo_args.unwrap_or_default());
            command
                .arg("--listen")
                .arg(&listen)
                .current_dir(data_dir.path())
                .env_remove("CLEARLINE_LOG")
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("clone the log handle"))
                .stderr(log);
            let child = command.spawn().expect("start the clearline binary");
            let mut server = ServerProcess {
                child,
                base_url: format!("http://{listen}"),
                credentials: Vec::new(),
                log_path: log_path.clone(),
                data_dir,
            };
            match server.wait_ready().await {
                Ok(()) => {
                    if seed {
                        server.credentials = read_credentials(&server.data_dir.path().join("demo-credentials.json"));
                    }
                    return server;
                }
                Err(log) if log.contains("Address already in use") && attempt < 5 => {
                    eprintln!("port {port} was taken before clearline bound it; starting again on another");
                    data_dir = server.take_data_dir();
                }
                Err(log) => panic!("clearline exited before it was ready; its output:\n{log}"),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// The data directory, out of a server that exited (to start it again).
    fn take_data_dir(mut self) -> tempfile::TempDir {
        let _ = self.child.wait();
        std::mem::replace(&mut self.data_dir, tempfile::tempdir().expect("a temporary data directory"))
    }

    /// Waits for /readyz; `Err` with the server's output when it exited first.
    ///
    /// A ready answer counts only once this process has said it listens on the port: until it binds,
    /// another test's server may hold the same port (chosen free, then taken while this one seeded),
    /// and its /readyz would answer for it — a test signing in there would meet another demo's users.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().expect("an HTTP client");
        let url = self.url("/readyz");
        let listening = format!("Clearline is listening on {}", self.base_url);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("(exit {status})\n{}", self.log()));
            }
            if self.log().contains(&listening) {
                if let Ok(r) = client.get(&url).send().await {
                    if r.status().is_success() {
                        return Ok(());
                    }
                }
            }
            if Instant::now() >= deadline {
                panic!("clearline was not ready at {url} within {READY_TIMEOUT:?}; its output:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The absolute URL of a path such as `/login`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Every demo user.
    pub fn credentials(&self) -> &[DemoCredential] {
        &self.credentials
    }

    /// The demo user with this role in this organization (slug); panics when there is none.
    pub fn user(&self, role: &str, organization: &str) -> &DemoCredential {
        self.credentials
            .iter()
            .find(|c| c.role == role && c.organization == organization)
            .unwrap_or_else(|| panic!("no demo user with role {role} in {organization}"))
    }

    /// Sends SIGTERM and waits up to `timeout` for the process to exit; returns its exit status.
    pub fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// What the server has written to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

fn read_credentials(path: &Path) -> Vec<DemoCredential> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let field = |u: &Value, name: &str| -> String {
        u.get(name).and_then(Value::as_str).unwrap_or_else(|| panic!("a demo user without {name:?}: {u}")).to_string()
    };
    value
        .as_array()
        .unwrap_or_else(|| panic!("{} is not a JSON array", path.display()))
        .iter()
        .map(|u| DemoCredential {
            email: field(u, "email"),
            password: field(u, "password"),
            totp_secret: u.get("totp_secret").and_then(Value::as_str).map(str::to_string),
            role: field(u, "role"),
            organization: field(u, "organization"),
        })
        .collect()
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("---- clearline output ({}) ----\n{}", self.base_url, self.log());
        }
    }
}
