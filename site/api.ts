/**
 * The API reference: typedoc's pages, joined to the site through typedoc's
 * own theme API (a theme, its render context, the renderer's hooks), so
 * that they carry the site's header and navigation and read as well with
 * assistive technology as the site's other pages.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Application, DefaultTheme, DefaultThemeRenderContext, JSX, ReflectionKind, type NavigationElement, type ProjectReflection } from "typedoc";
import { siteHeader, siteNav, type NavItem } from "./layout.js";
import { relative } from "./markdown.js";

type Node = JSX.Children;

/**
 * typedoc's layout with its landmarks made one of each kind (the site's
 * header is the page's banner, typedoc's content its main region), no
 * link inside a summary (a control inside a control), and the search told
 * what to leave out: kind and flag labels around names.
 */
function landmarks(node: Node, inSummary = false): Node {
  if (Array.isArray(node)) return node.map((n) => landmarks(n, inSummary));
  if (node === null || typeof node !== "object") return node;
  // A fragment (or another component) holds elements too.
  if (typeof node.tag !== "string") return { ...node, children: node.children.map((c) => landmarks(c, inSummary)) };
  const props = { ...(node.props as Record<string, unknown> | null) };
  const cls = typeof props.class === "string" ? props.class.split(" ") : [];
  let tag = node.tag;
  let children = node.children;
  if (inSummary && tag === "a" && cls.includes("tsd-anchor-icon")) return null;
  if (tag === "header" && cls.includes("tsd-page-toolbar")) {
    // typedoc's title bar: its search and its menu button, a region of its own under the site's banner.
    tag = "div";
    props.role = "region";
    props["aria-label"] = "API reference tools";
  } else if (tag === "div" && cls.includes("col-content")) {
    tag = "main";
    props["data-pagefind-body"] = "";
  } else if (tag === "div" && cls.includes("col-sidebar")) {
    tag = "aside";
    props["aria-label"] = "Navigation";
  } else if (tag === "nav" && cls.includes("tsd-navigation")) {
    props["aria-label"] = "API modules";
  } else if (tag === "code" && cls.includes("tsd-tag")) {
    props["data-pagefind-ignore"] = "";
  } else if (tag === "h1" && typeof children[0] === "string" && / $/.test(children[0])) {
    // "Class ProtStream": the kind is typedoc's label, not the name searched for.
    children = [JSX.createElement("span", { "data-pagefind-ignore": "" }, children[0]), ...children.slice(1)];
  }
  const within = inSummary || tag === "summary";
  return { tag, props, children: children.map((c) => landmarks(c, within)) };
}

class SiteContext extends DefaultThemeRenderContext {
  constructor(...args: ConstructorParameters<typeof DefaultThemeRenderContext>) {
    super(...args);
    const typedocLayout = this.defaultLayout;
    this.defaultLayout = (template, props) => landmarks(typedocLayout(template, props)) as JSX.Element;
  }
}

/**
 * typedoc's navigation tree puts a module's link inside the summary that
 * folds its members; here the summary names the module and its link is the
 * first entry under it.
 */
function linkOutOfSummary(el: NavigationElement): NavigationElement {
  if (el.children === undefined) return el;
  const children = el.children.map(linkOutOfSummary);
  if (el.path === undefined) return { ...el, children };
  const { children: _own, ...page } = el;
  return { text: el.text, children: [page, ...children] };
}

class SiteTheme extends DefaultTheme {
  override ContextClass = SiteContext;
  override buildNavigation(project: ProjectReflection): NavigationElement[] {
    return super.buildNavigation(project).map(linkOutOfSummary);
  }
}

/**
 * Runs typedoc into `out`/api/ with the site's header and navigation `nav`,
 * and returns API names → site paths whose anchors exist.
 */
export async function apiReference(root: string, out: string, nav: NavItem[]): Promise<Map<string, string>> {
  const app = await Application.bootstrapWithPlugins({
    entryPoints: [join(root, "src/index.ts"), join(root, "src/cyrus.ts"), join(root, "conformance/src/index.ts")],
    // The one config that holds both packages' entry points; npm run typecheck checks the types.
    tsconfig: join(root, "tsconfig.json"),
    skipErrorChecking: true,
    excludeInternal: true,
    readme: "none",
    name: "prot-events API",
    logLevel: "Error",
    disableSources: true,
    // One flat list of the three modules, not a "prot-events" folder beside the prot-events module.
    navigation: { includeFolders: false },
  });
  app.renderer.defineTheme("prot-events", SiteTheme);
  app.options.setValue("theme", "prot-events");
  // A site path made relative to the typedoc page being rendered.
  const rel = (ctx: DefaultThemeRenderContext) => (to: string) => relative(`api/${ctx.page.url}`, to);
  const raw = (html: string): JSX.Element => JSX.createElement(JSX.Raw, { html });
  app.renderer.hooks.on("head.end", (ctx) => JSX.createElement("link", { rel: "stylesheet", href: rel(ctx)("style.css") }));
  app.renderer.hooks.on("body.begin", (ctx) => raw(siteHeader(rel(ctx))));
  app.renderer.hooks.on("sidebar.begin", (ctx) => raw(siteNav(nav, rel(ctx), "api/index.html")));

  const project = await app.convert();
  if (project === undefined) throw new Error("typedoc could not convert the sources");
  // Modules are named as they are imported, not by their folders.
  for (const mod of project.children ?? []) mod.name = mod.name.includes("conformance") ? "prot-conformance" : mod.name.includes("cyrus") ? "prot-events/cyrus" : "prot-events";
  const apiDir = join(out, "api");
  await app.generateDocs(project, apiDir);
  const folder: Partial<Record<ReflectionKind, string>> = {
    [ReflectionKind.Class]: "classes",
    [ReflectionKind.Interface]: "interfaces",
    [ReflectionKind.Function]: "functions",
    [ReflectionKind.Variable]: "variables",
    [ReflectionKind.TypeAlias]: "types",
  };
  // Names of the reference implementation win; within one module, a name
  // that means two things (a method of two classes) links nowhere.
  const map = new Map<string, string>();
  const ambiguous = new Set<string>();
  let fromEarlierModules = new Set<string>();
  const put = (name: string, path: string): void => {
    if (ambiguous.has(name) || fromEarlierModules.has(name)) return;
    const had = map.get(name);
    if (had !== undefined && had !== path) {
      map.delete(name);
      ambiguous.add(name);
    } else map.set(name, path);
  };
  const html = new Map<string, string>();
  const hasAnchor = (file: string, anchor: string): boolean => {
    if (!html.has(file)) html.set(file, existsSync(join(apiDir, file)) ? readFileSync(join(apiDir, file), "utf8") : "");
    return (html.get(file) as string).includes(`id="${anchor}"`);
  };
  const order = (name: string): number => (name.includes("conformance") ? 2 : name.includes("cyrus") ? 1 : 0);
  for (const mod of [...(project.children ?? [])].sort((a, b) => order(a.name) - order(b.name))) {
    fromEarlierModules = new Set([...map.keys(), ...ambiguous]);
    for (const r of mod.children ?? []) {
      const dir = folder[r.kind];
      if (dir === undefined) continue;
      const file = `${dir}/${mod.name.replace(/[^\w.-]/g, "_")}.${r.name}.html`;
      if (!existsSync(join(apiDir, file))) continue;
      put(r.name, `api/${file}`);
      for (const m of r.children ?? []) {
        const anchor = m.name.toLowerCase();
        if (hasAnchor(file, anchor)) put(m.name, `api/${file}#${anchor}`);
      }
    }
  }
  return map;
}
