//! Who Herald will not send to: suppressed addresses (every campaign skips them) and marketing
//! opt-outs (marketing campaigns skip them), with their reasons and dates; lifting one.

use crate::api::{LiftDoNotSend, do_not_send};
use crate::components::{ErrorBox, Layout, error_text};
use crate::local_time::LocalTime;
use leptos::prelude::*;

#[component]
pub fn SuppressionsPage() -> impl IntoView {
    let lift = ServerAction::<LiftDoNotSend>::new();
    let lists = Resource::new(move || lift.version().get(), |_| do_not_send());
    view! {
        <Layout>
            <h1>"Suppressions"</h1>
            <p class="hint">
                "Addresses Herald will not send to. A hard bounce or a dead push token suppresses an address for every campaign; "
                "an unsubscribe link opts it out of marketing campaigns only. Lifting one is recorded in the audit."
            </p>
            {move || match lift.value().get() {
                Some(Ok(())) => Some(view! { <p role="status">"Lifted."</p> }.into_any()),
                Some(Err(e)) => Some(view! { <ErrorBox message=error_text(&e)/> }.into_any()),
                None => None,
            }}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match lists.await {
                        Err(e) => view! { <ErrorBox message=error_text(&e)/> }.into_any(),
                        Ok((suppressions, opt_outs)) => view! {
                            <section class="card">
                                <h2>"Suppressed addresses"</h2>
                                <Listing lift kind="suppression" testid="suppressions"
                                    rows=suppressions.into_iter().map(|s| (s.channel, s.address, s.reason, s.created_at)).collect()/>
                            </section>
                            <section class="card">
                                <h2>"Marketing opt-outs"</h2>
                                <Listing lift kind="opt_out" testid="opt-outs"
                                    rows=opt_outs.into_iter().map(|o| (o.channel, o.address, o.source.replace('_', " "), o.created_at)).collect()/>
                            </section>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
fn Listing(
    lift: ServerAction<LiftDoNotSend>,
    kind: &'static str,
    testid: &'static str,
    rows: Vec<(String, String, String, i64)>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"None."</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
        <table class="list" data-testid=testid>
            <thead><tr><th>"Channel"</th><th>"Address"</th><th>"Why"</th><th>"Since"</th><th></th></tr></thead>
            <tbody>
                {rows.into_iter().map(|(channel, address, why, at)| view! {
                    <tr>
                        <td>{channel.clone()}</td>
                        <td>{address.clone()}</td>
                        <td>{why}</td>
                        <td><LocalTime ms=at/></td>
                        <td>
                            <ActionForm action=lift>
                                <input type="hidden" name="kind" value=kind/>
                                <input type="hidden" name="channel" value=channel/>
                                <input type="hidden" name="address" value=address/>
                                <button type="submit" class="secondary">"Lift"</button>
                            </ActionForm>
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
    .into_any()
}
