// nnvocab concept browser: search, concept pages and a neighbourhood graph, all over /graphql.
"use strict";
const main = document.getElementById("main");

async function gql(query, variables) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function list(title, items) {
  if (!items.length) return [];
  return [el("h2", {}, title), el("ul", {}, items.map((item) => el("li", {}, item)))];
}

const conceptLink = (c) => el("a", { href: `#/concept/${c.id}` }, c.name);

const CONCEPT_QUERY = `query($id: ID!) { concept(id: $id) {
  id name altNames kind status statusNote definition formula whenToUse
  hyperparameters { name default description }
  pairsWith { concept { id name } note }
  broader { id name } narrower { id name } related { id name }
  papers { id title authors year arxivId url }
  models { id name organization year }
  implementation { target origin }
  errata { claim correction reference }
  sources { document title section line }
} }`;

async function showConcept(id) {
  main.replaceChildren(el("p", {}, "Loading…"));
  const { data, errors } = await gql(CONCEPT_QUERY, { id });
  if (errors) { main.replaceChildren(el("p", { class: "card" }, errors[0].message)); return; }
  const c = data.concept;
  const card = el("section", { class: "card", id: "concept" },
    el("h1", {}, c.name),
    el("div", {}, el("span", { class: "tag" }, c.kind), el("span", { class: "tag" }, c.status), c.altNames.map((a) => el("span", { class: "tag" }, a))),
    c.status === "SPECULATIVE" ? el("p", { class: "speculative" }, "Speculative: ", c.statusNote || "no published backing") : [],
    el("p", { class: "definition" }, c.definition),
    c.formula ? el("pre", { class: "formula" }, c.formula.replace(/;\s{2,}/g, ";\n")) : [],  // one equation a line
    list("When to use", c.whenToUse),
    list("Hyperparameters", c.hyperparameters.map((h) => `${h.name}${h.default ? " = " + h.default : ""}${h.description ? " — " + h.description : ""}`)),
    list("Pairs with", c.pairsWith.map((p) => [conceptLink(p.concept), p.note ? ` — ${p.note}` : ""])),
    list("Broader", c.broader.map(conceptLink)), list("Narrower", c.narrower.map(conceptLink)), list("Related", c.related.map(conceptLink)),
    list("Papers", c.papers.map((p) => [el("a", { href: p.url || "#" }, p.title), ` — ${p.authors.slice(0, 3).join(", ")}${p.authors.length > 3 ? " et al." : ""} (${p.year || "n.d."})`])),
    list("Models using it", c.models.map((m) => `${m.name}${m.organization ? " (" + m.organization + (m.year ? ", " + m.year : "") + ")" : ""}`)),
    el("h2", {}, "Implementation"), el("p", { id: "implementation" }, c.implementation ? `${c.implementation.target} (${c.implementation.origin})` : "not registered yet"),
    list("Errata (source claims corrected here)", c.errata.map((e) => el("div", { class: "erratum" }, el("b", {}, "Claim: "), e.claim, el("br"), el("b", {}, "Correction: "), e.correction))),
    list("Sources", c.sources.map((s) => `${s.title}${s.line ? ", line " + s.line : ""}${s.section ? " (" + s.section + ")" : ""}`)),
  );
  const graph = el("section", { class: "card graph-card" }, el("h2", {}, "Neighbourhood"), el("div", { id: "graph" }));
  main.replaceChildren(el("div", { class: "concept-layout" }, card, graph));
  await drawGraph(id);
}

async function drawGraph(id) {
  const { data } = await gql(`query($id: ID!) { neighbors(id: $id, depth: 1) {
    nodes { id __typename ... on Concept { name } ... on Paper { title } ... on Model { name } } edges { subject predicate object } } }`, { id });
  if (!data || typeof cytoscape === "undefined") return;
  const nodes = data.neighbors.nodes.map((n) => ({ data: { id: n.id, label: n.name || n.title, type: n.__typename } }));
  const known = new Set(nodes.map((n) => n.data.id));
  const edges = data.neighbors.edges.filter((e) => known.has(e.subject) && known.has(e.object))
    .map((e, i) => ({ data: { id: `e${i}`, source: e.subject, target: e.object, label: e.predicate } }));
  const cy = cytoscape({
    container: document.getElementById("graph"), elements: [...nodes, ...edges], layout: { name: "cose", animate: false },
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 9, "background-color": "#4a78b5", width: 14, height: 14 } },
      { selector: 'node[type = "Paper"]', style: { "background-color": "#c47f2c", shape: "round-rectangle" } },
      { selector: 'node[type = "Model"]', style: { "background-color": "#3f9a5b", shape: "diamond" } },
      { selector: `node[id = "${id}"]`, style: { "background-color": "#d9534f", width: 22, height: 22 } },
      { selector: "edge", style: { width: 1, "line-color": "#b8c2cc", "curve-style": "bezier" } },
    ],
  });
  cy.on("tap", 'node[type = "Concept"]', (evt) => { location.hash = `#/concept/${evt.target.id()}`; });
  window.nnvGraph = cy;
}

async function showSearch(text) {
  main.replaceChildren(el("p", {}, "Searching…"));
  const query = `query($t: String!, $m: SearchMode!) { search(text: $t, mode: $m, first: 20) { score why { kind text score }
    node { id __typename ... on Concept { name kind } ... on Paper { title year } ... on Model { name } } } }`;
  let answer = await gql(query, { t: text, m: "HYBRID" });
  const loading = !answer.data && answer.errors?.[0]?.extensions?.code === "UNAVAILABLE";  // the server's first question loads the model
  if (loading) answer = await gql(query, { t: text, m: "LEXICAL" });
  const hits = answer.data ? answer.data.search : [];
  const why = (h) => h.why.map((r) => `${r.kind.toLowerCase().replace(/_/g, " ")}: ${r.text}`).join(" · ");
  main.replaceChildren(el("section", { class: "card" }, el("h1", {}, `Results for “${text}”`),
    loading ? el("p", { class: "score" }, "Matched by words only: the meaning-based ranking is still loading, search again in a moment.") : [],
    el("ul", { class: "hits" }, hits.map((h) => {
      const n = h.node;
      const label = n.__typename === "Concept" ? conceptLink(n) : el("span", {}, n.title || n.name);
      return el("li", {}, label, " ", el("span", { class: "tag" }, n.__typename === "Concept" ? n.kind : n.__typename),
        el("span", { class: "score" }, ` ${h.score.toFixed(2)}`), el("div", { class: "score why" }, why(h)));
    }))));
}

// The caption under the pairing heatmap: what it shows, the verdict counts of the last sweep, the full report.
function pairingCaption(summary) {
  const caption = ["Median steps to each layer family's validation target with each optimizer, relative to the family's fastest " +
    "(outlined: claimed by the sources; S/C/I: supported/contradicted/inconclusive; hatched: target not reached). "];
  if (summary) {
    const v = summary.verdicts;
    caption.push(el("span", { id: "verdict-counts" }, `Of ${summary.claims} claims, ${v.supported} supported, ${v.contradicted} contradicted, ` +
      `${v.inconclusive} inconclusive, ${v.unmeasured} without runs (${summary.trials} trials, protocol ${summary.protocol}). `));
  }
  caption.push("Verdicts with confidence intervals, performance profiles and ablations: ",
    el("a", { id: "pairing-report", href: "/static/pairing-report.md" }, "the pairing report"), ".");
  return caption;
}

async function pairingSummary() {
  try {
    const response = await fetch("/static/pairing-summary.json");
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

async function showHome() {
  const [{ data }, summary] = await Promise.all([gql("{ stats { concepts papers models pairings errata triples } }"), pairingSummary()]);
  const s = data ? data.stats : {};
  main.replaceChildren(el("section", { class: "card", id: "home" }, el("h1", {}, "Neural-network vocabulary"),
    el("p", {}, `${s.concepts} concepts, ${s.papers} papers, ${s.models} models, ${s.pairings} pairings, ${s.errata} errata, ${s.triples} triples.`),
    el("p", {}, "Search above, or start at ", el("a", { href: "#/concept/grouped-query-attention" }, "Grouped-Query Attention"), ", ",
      el("a", { href: "#/concept/adamw" }, "AdamW"), " or ", el("a", { href: "#/concept/transformer" }, "Transformer"), "."),
    el("h2", {}, "Pairing evidence"),
    el("figure", { id: "pairing-evidence", class: "pairing-figure" },
      el("img", { id: "heatmap", src: "/static/pairing-heatmap.png", alt: "median steps to target: layer families × optimizers, claimed pairs outlined" }),
      el("figcaption", {}, pairingCaption(summary)))));
}

function route() {
  const [, kind, value] = location.hash.split("/");
  if (kind === "concept" && value) return showConcept(decodeURIComponent(value));
  if (kind === "search" && value) return showSearch(decodeURIComponent(value));
  return showHome();
}

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = document.getElementById("search").value.trim();
  if (text) location.hash = `#/search/${encodeURIComponent(text)}`;
});
window.addEventListener("hashchange", route);
route();
