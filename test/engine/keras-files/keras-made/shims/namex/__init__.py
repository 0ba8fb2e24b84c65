class export:
    def __init__(self, package=None, path=None):
        self.package = package; self.path = path
    def __call__(self, symbol):
        return symbol
