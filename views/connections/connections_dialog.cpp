#include "views/connections/connections_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace meshdeck::views {

const QString ConnectionsDialog::kEmbedded = QStringLiteral("Embedded mesh");

ConnectionsDialog::ConnectionsDialog(ConnectionStore& store, const QString& current,
                                     bool hasEmbedded, QWidget* parent)
    : QDialog(parent), store_(store), hasEmbedded_(hasEmbedded), list_(new QListWidget(this)),
      name_(new QLineEdit(this)), url_(new QLineEdit(this)), token_(new QLineEdit(this)),
      insecure_(new QCheckBox(QStringLiteral("Accept a self-signed certificate"), this)),
      message_(new QLabel(this)), save_(new QPushButton(QStringLiteral("Save"), this)),
      remove_(new QPushButton(QStringLiteral("Remove"), this)),
      connect_(new QPushButton(QStringLiteral("Connect"), this)) {
    setWindowTitle(QStringLiteral("Connections"));
    setObjectName(QStringLiteral("connectionsDialog"));
    list_->setObjectName(QStringLiteral("meshList"));
    name_->setObjectName(QStringLiteral("meshName"));
    url_->setObjectName(QStringLiteral("meshUrl"));
    token_->setObjectName(QStringLiteral("meshToken"));
    message_->setObjectName(QStringLiteral("connectionMessage"));
    save_->setObjectName(QStringLiteral("saveButton"));
    remove_->setObjectName(QStringLiteral("removeButton"));
    connect_->setObjectName(QStringLiteral("connectButton"));

    url_->setPlaceholderText(QStringLiteral("https://mesh.internal:8787"));
    token_->setEchoMode(QLineEdit::Password);
    message_->setWordWrap(true);
    auto* add = new QPushButton(QStringLiteral("New"), this);
    add->setObjectName(QStringLiteral("newButton"));

    auto* form = new QFormLayout;
    form->addRow(QStringLiteral("Name"), name_);
    form->addRow(QStringLiteral("URL"), url_);
    form->addRow(QStringLiteral("Token"), token_);
    form->addRow(QString(), insecure_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(save_);
    buttons->addWidget(remove_);
    buttons->addStretch(1);
    buttons->addWidget(connect_);
    auto* right = new QVBoxLayout;
    right->addLayout(form);
    right->addWidget(message_);
    right->addStretch(1);
    right->addLayout(buttons);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* top = new QHBoxLayout;
    list_->setFixedWidth(200);
    top->addWidget(list_);
    top->addLayout(right, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top, 1);
    layout->addWidget(close);
    resize(640, 320);

    connect(list_, &QListWidget::currentRowChanged, this, &ConnectionsDialog::showSelected);
    connect(add, &QPushButton::clicked, this, [this] {
        list_->clearSelection();
        list_->setCurrentRow(-1);
        name_->clear();
        url_->clear();
        token_->clear();
        token_->setPlaceholderText(QStringLiteral("mdk_… (meshd token create prints one)"));
        insecure_->setChecked(false);
        for (auto* w : std::initializer_list<QWidget*>{name_, url_, token_, insecure_, save_})
            w->setEnabled(true);
        remove_->setEnabled(false);
        connect_->setEnabled(false);
        message_->clear();
        name_->setFocus();
    });
    connect(save_, &QPushButton::clicked, this, &ConnectionsDialog::saveForm);
    connect(remove_, &QPushButton::clicked, this, &ConnectionsDialog::removeSelected);
    connect(connect_, &QPushButton::clicked, this, [this] {
        if (auto* item = list_->currentItem()) {
            Q_EMIT connectRequested(item->text());
            accept();
        }
    });
    reload(current);
}

bool ConnectionsDialog::embeddedSelected() const {
    return hasEmbedded_ && list_->currentRow() == 0;
}

void ConnectionsDialog::reload(const QString& select) {
    list_->clear();
    if (hasEmbedded_)
        list_->addItem(kEmbedded);
    for (const auto& c : store_.connections())
        list_->addItem(c.name);
    const auto found = list_->findItems(select, Qt::MatchExactly);
    list_->setCurrentRow(found.isEmpty() ? 0 : list_->row(found.first()));
}

void ConnectionsDialog::showSelected() {
    message_->clear();
    const bool embedded = embeddedSelected();
    for (auto* w : std::initializer_list<QWidget*>{name_, url_, token_, insecure_, save_, remove_})
        w->setEnabled(!embedded);
    connect_->setEnabled(list_->currentItem() != nullptr);
    token_->clear();
    if (embedded) {
        name_->setText(kEmbedded);
        url_->setText(QStringLiteral("127.0.0.1, started by this console"));
        token_->setPlaceholderText(QStringLiteral("kept by the console"));
        insecure_->setChecked(false);
        return;
    }
    const QString name = list_->currentItem() ? list_->currentItem()->text() : QString();
    for (const auto& c : store_.connections()) {
        if (c.name != name)
            continue;
        name_->setText(c.name);
        url_->setText(c.url);
        insecure_->setChecked(c.insecure);
        token_->setPlaceholderText(store_.token(c.name).isEmpty()
                                       ? QStringLiteral("no token stored")
                                       : QStringLiteral("stored; type a new one to replace it"));
    }
}

void ConnectionsDialog::saveForm() {
    const MeshConnection c{name_->text().trimmed(), url_->text().trimmed(), insecure_->isChecked()};
    if (hasEmbedded_ && c.name == kEmbedded) {
        message_->setText(QStringLiteral("That name belongs to the embedded mesh."));
        return;
    }
    const QString problem = store_.save(c, token_->text().trimmed().toUtf8());
    if (!problem.isEmpty()) {
        message_->setText(problem);
        return;
    }
    reload(c.name);
    message_->setText(QStringLiteral("Saved %1.").arg(c.name));
}

void ConnectionsDialog::removeSelected() {
    if (embeddedSelected() || !list_->currentItem())
        return;
    store_.remove(list_->currentItem()->text());
    reload(kEmbedded);
}

} // namespace meshdeck::views
