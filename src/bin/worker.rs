//! Builds the worker module (`radlearn-worker`, `src/worker/`): a Web Worker that decodes images and computes radiomics features with
//! `radlearn_web::worker::session::Session`, so the page stays responsive. Trunk builds it with the speed profile
//! (`release`, see index.html); the protocol is documented in `radlearn_web::worker`.

use std::cell::RefCell;

use gloo_worker::{HandlerId, Registrable, Worker, WorkerScope};
use radlearn_web::worker::protocol::{Incoming, JobId, Response};
use radlearn_web::worker::session::Session;

thread_local! {
    /// Where to report a panic: the scope and the bridge of the request being handled.
    static CURRENT: RefCell<Option<(WorkerScope<FeatureWorker>, HandlerId, JobId)>> = const { RefCell::new(None) };
}

struct FeatureWorker {
    session: Session,
}

impl Worker for FeatureWorker {
    type Message = ();
    type Input = Incoming;
    type Output = Response;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        FeatureWorker { session: Session::default() }
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: Self::Message) {}

    fn received(&mut self, scope: &WorkerScope<Self>, msg: Self::Input, id: HandlerId) {
        let job = msg.job();
        CURRENT.with(|c| *c.borrow_mut() = Some((scope.clone(), id, job)));
        self.session.handle(msg, &mut |response| scope.respond(id, response));
        CURRENT.with(|c| *c.borrow_mut() = None);
    }
}

fn main() {
    // A panic cannot be caught in wasm: report it as the job's failure before the worker dies (the page then
    // terminates this worker and starts a new one for the next request).
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let current = CURRENT.try_with(|c| c.try_borrow().ok().and_then(|c| c.clone())).ok().flatten();
        if let Some((scope, id, job)) = current {
            let message = format!("the computation stopped because of an error in RadLearn ({info}); please report it");
            scope.respond(id, Response::Failed { job, message });
        }
    }));
    FeatureWorker::registrar().register();
}
