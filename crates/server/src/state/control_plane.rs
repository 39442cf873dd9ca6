//! What the control plane holds: [`ControlPlane`].

use std::sync::Arc;

use collab_core::admin::StateAdmin;
use collab_core::fixtures::Fixtures;
use collab_faults::{FaultRule, Faults};
use secrecy::SecretString;

use crate::config::{ControlSettings, StateSettings};
use crate::http::credentials::is_token;
use crate::journal::Journal;

/// The control plane's credential, the store's administrative side with the state to
/// reset to, the journal, and the lock that keeps changes of the state in order.
pub(crate) struct ControlPlane {
    admin_token: Option<SecretString>,
    state: Option<StateSettings>,
    journal: Arc<Journal>,
    /// The armed fault rules, and those a reset arms again.
    faults: Faults,
    start_faults: Vec<FaultRule>,
    /// Held across a change of the state and the swap of the users it authenticates,
    /// so that two changes cannot interleave between the two.
    changes: tokio::sync::Mutex<()>,
}

impl ControlPlane {
    pub(crate) fn new(settings: ControlSettings) -> Self {
        Self {
            admin_token: settings.admin_token,
            state: settings.state,
            journal: Arc::new(Journal::new(settings.journal_size)),
            faults: Faults::from_rules(settings.faults.iter().cloned()),
            start_faults: settings.faults,
            changes: tokio::sync::Mutex::new(()),
        }
    }

    /// The state the server started with, if it has a store's administrative side.
    pub(crate) fn start_state(&self) -> Option<&Fixtures> {
        self.state.as_ref().map(|state| &state.start)
    }

    /// The store's administrative side, if the server was given one.
    pub(crate) fn admin(&self) -> Option<&dyn StateAdmin> {
        self.state.as_ref().map(|state| &*state.admin)
    }

    pub(crate) fn journal(&self) -> &Arc<Journal> {
        &self.journal
    }

    /// The armed fault rules.
    pub(crate) fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Disarms every rule and arms those the server started with again, their
    /// counters at zero.
    pub(crate) fn reset_faults(&self) {
        self.faults.clear();
        for rule in &self.start_faults {
            self.faults.arm(rule.clone());
        }
    }

    /// Whether an admin token opens the control plane.
    pub(crate) fn is_open(&self) -> bool {
        self.admin_token.is_some()
    }

    /// Whether `presented` is the admin token, compared in constant time.
    pub(crate) fn is_admin_token(&self, presented: &str) -> bool {
        self.admin_token
            .as_ref()
            .is_some_and(|token| is_token(token, presented))
    }

    /// Takes the lock that orders changes of the state.
    pub(crate) async fn lock_changes(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.changes.lock().await
    }
}
