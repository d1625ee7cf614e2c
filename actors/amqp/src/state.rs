//! One node's AMQP transport, as parts each owned by one module: the settings
//! ([`config`](super::config)), the link to the broker ([`link`](super::link), written by the
//! session), the outgoing calls and their pending replies ([`caller`](super::caller)), the event
//! subscribers ([`events`](super::events)), the ending of deliveries ([`settle`](super::settle)),
//! the measured load ([`load`](super::load)), the
//! membership view (kept by [`announcements`](super::announcements)) and the local node once
//! attached. The transport front and the session both hold it; the parts hold nothing of it.

use clacks_runtime::membership::Membership;
use clacks_runtime::transport::LocalNode;
use std::sync::Arc;
use tokio::sync::watch;

use super::caller::Caller;
use super::config::AmqpConfig;
use super::events::EventLink;
use super::link::LinkState;
use super::load::Load;
use super::report_order::ReportOrder;
use super::settle::Settle;
use super::topology::Names;

/// The parts of one node's AMQP transport.
pub struct NodeState {
    /// Settings.
    pub config: Arc<AmqpConfig>,
    /// Names of the domain's exchanges and queues.
    pub names: Names,
    /// The link to the broker.
    pub link: Arc<LinkState>,
    /// Outgoing calls (and the transport's call carrier).
    pub caller: Caller,
    /// Event publishing and subscribers.
    pub events: Arc<EventLink>,
    /// Acks, replies, re-publishes and dead letters.
    pub settle: Arc<Settle>,
    /// The measured call latency NodeStatus reports.
    pub load: Arc<Load>,
    /// The domain view.
    pub membership: Membership,
    /// The order of plugin status reports, sent and received.
    pub reports: ReportOrder,
    /// The local node, once attached.
    pub local: watch::Sender<Option<LocalNode>>,
}

impl NodeState {
    /// Fresh state for `config`.
    pub fn new(config: AmqpConfig) -> Self {
        let config = Arc::new(config);
        let link = Arc::new(LinkState::default());
        let load = Arc::new(Load::default());
        let membership = Membership::new(config.departed_ttl);
        NodeState {
            names: Names::new(&config.domain),
            caller: Caller::new(
                config.clone(),
                membership.clone(),
                link.clone(),
                load.clone(),
            ),
            events: Arc::new(EventLink::new(config.clone(), link.clone())),
            settle: Arc::new(Settle::new(config.clone(), link.clone())),
            config,
            link,
            load,
            membership,
            reports: ReportOrder::default(),
            local: watch::channel(None).0,
        }
    }
}
