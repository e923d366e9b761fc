// GraphiQL against this server's /graphql. A token in the URL fragment (#token=jst_…, as
// `jointsup demo` prints it) pre-fills the Authorization header; fragments never reach the server.
(function () {
  "use strict";
  var token = new URLSearchParams(window.location.hash.slice(1)).get("token");
  var headers = {Authorization: "Bearer " + (token || "<token from `jointsup token create`>")};
  var fetcher = GraphiQL.createFetcher({url: new URL("/graphql", window.location.href).href});
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultHeaders: JSON.stringify(headers, null, 2),
    shouldPersistHeaders: false,
    defaultQuery: "{\n  __typename\n}\n",
  }));
})();
