// GraphiQL for carbon-pilots: queries and mutations over POST /graphql, subscriptions over
// graphql-transport-ws on the same path. The headers editor's `Authorization` goes with both:
// as an HTTP header, and in the WebSocket's connection_init payload.
(function () {
  var ws = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
  var fetcher = GraphiQL.createFetcher({ url: "/graphql", subscriptionUrl: ws });
  var defaultQuery = [
    "# carbon-pilots GraphQL API",
    "#",
    "# Put a token in the Headers tab below, e.g.",
    '#   {"Authorization": "Bearer <token>"}',
    "# (`carbon-pilots token --role provincial --region 370000` mints one locally).",
    "",
    "query Pilots {",
    "  pilots(first: 5) {",
    "    totalCount",
    "    edges { node { id code name status } }",
    "  }",
    "}",
    "",
  ].join("\n");
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: "{}",
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: "headers",
    })
  );
})();
