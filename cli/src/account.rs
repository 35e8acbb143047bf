use std::io::{BufRead, IsTerminal};

use rally_client::{account, relay_api::RelayApi, Result};
use rally_core::model::Credentials;
use rally_core::profile::Profile;

use crate::args::AccountCommand;
use crate::output;

/// The password: asked without echo on a terminal, else the first line of standard input.
fn password() -> Result<String> {
    let read = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line.trim_end_matches(['\r', '\n']).to_string())
    };
    read.map_err(|e| rally_core::Error::invalid("password", format!("cannot read it: {e}")).into())
}

pub async fn run(profile: Profile, cmd: AccountCommand) -> Result<()> {
    let profile = &std::sync::Mutex::new(profile);
    match cmd {
        AccountCommand::Signup { server, email } => {
            let created = account::sign_up(&server, &Credentials { email, password: password()? }).await?;
            println!("Account created for {}. Follow the link mailed to you, then: rally account login", created.email);
        }
        AccountCommand::Login { server, email } => {
            let link = account::log_in(profile, &server, &Credentials { email, password: password()? }).await?;
            println!("Logged in as {} on {}", link.email, link.server);
        }
        AccountCommand::Logout => {
            account::log_out(profile).await?;
            println!("Logged out");
        }
        AccountCommand::Status { json } => {
            let status = account::status(profile).await?;
            if json {
                output::json(&status)?;
            } else {
                match &status.account {
                    Some(link) => println!("{} on {}: session {}", link.email, link.server, status.session),
                    None => println!("Not logged in"),
                }
            }
        }
        AccountCommand::ResetPassword { server, email } => {
            RelayApi::new(&server)?.request_password_reset(&email).await?;
            println!("If {email} has an account there, a reset link is on its way.");
        }
    }
    Ok(())
}
