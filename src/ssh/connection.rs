//! One SSH connection's russh handler: authentication against [`Credentials`], and session
//! channels handed to [`shell::run_channel`](super::shell::run_channel).

use super::limits::SessionId;
use super::server::Shared;
use russh::keys::PublicKey;
use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, Session};
use russh::{Channel, ChannelId, Pty};
use std::net::SocketAddr;
use std::sync::Arc;
use tracing::debug;

/// The handler of one connection.
pub(super) struct Connection {
    shared: Arc<Shared>,
    id: SessionId,
    peer: SocketAddr,
    /// Channels opened (a client may open several on one connection).
    channels: usize,
}

/// Channels one connection may open.
const MAX_CHANNELS: usize = 10;

impl Connection {
    pub(super) fn new(shared: Arc<Shared>, id: SessionId, peer: SocketAddr) -> Self {
        Connection {
            shared,
            id,
            peer,
            channels: 0,
        }
    }

    fn refused_while_blocked(&self) -> bool {
        self.shared.blocked(self.peer.ip()).is_some()
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        self.shared.touch(self.id);
        if self.refused_while_blocked() {
            return Ok(Auth::reject());
        }
        let accepted = self.shared.logins().passwords.check(user, password).await;
        self.shared
            .login_result(self.peer.ip(), user, "password", accepted);
        Ok(if accepted {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        self.shared.touch(self.id);
        let known = self
            .shared
            .logins()
            .credentials
            .accepts_key(user, offer.public_key);
        Ok(if known && !self.refused_while_blocked() {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        self.shared.touch(self.id);
        if self.refused_while_blocked() {
            return Ok(Auth::reject());
        }
        let public: &PublicKey = key.public_key;
        let accepted = self.shared.logins().credentials.accepts_key(user, public);
        self.shared
            .login_result(self.peer.ip(), user, "publickey", accepted);
        Ok(if accepted {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.shared.touch(self.id);
        if self.channels >= MAX_CHANNELS {
            debug!(peer = %self.peer, "refusing another channel on one connection");
            reply
                .reject(russh::ChannelOpenFailure::ResourceShortage)
                .await;
            return Ok(());
        }
        self.channels += 1;
        reply.accept().await;
        let shared = Arc::clone(&self.shared);
        tokio::spawn(super::shell::run_channel(channel, shared));
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        Ok(())
    }

    /// No subsystems (sftp, ...): say so rather than leave the client waiting.
    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        debug!(peer = %self.peer, subsystem = name, "refusing a subsystem request");
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn data(
        &mut self,
        _channel: ChannelId,
        _data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.shared.touch(self.id);
        Ok(())
    }
}
