use leptos::prelude::*;

/// Text with `code` spans, as the API's doc comments write it.
pub fn rich_text(text: &str) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                view! { <code class="mono">{part.to_string()}</code> }.into_any()
            } else {
                part.to_string().into_any()
            }
        })
        .collect_view()
}

/// A copyable block of code with a caption.
#[component]
pub fn CodeBlock(
    #[prop(into)] caption: String,
    #[prop(into)] code: String,
    #[prop(into)] copy_label: String,
) -> impl IntoView {
    let text = Signal::<String>::stored(code.clone());
    view! {
        <div class="code-block">
            <div class="code-block-head">
                <span>{caption}</span>
                <crate::components::ui::CopyButton text label=copy_label small=true/>
            </div>
            <pre class="code-block-body"><code>{code}</code></pre>
        </div>
    }
}
